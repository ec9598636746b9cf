/* Charts of the rectification dashboard, drawn with the vendored ECharts from the numbers the
   page carries in <script type="application/json" id="dashboard-data"> (json_script), and the
   warnings by category from "categories-data", which comes with that part when htmx loads it
   after the page. The same numbers are in the tables on the page; a click on a bar opens the
   tasks behind it. No network of its own, no inline script; the helpers every chart page shares
   are in js/charts.js. */
(function () {
  "use strict";

  var charts = window.ShanshuiCharts;
  if (!charts) return;

  var LINE_COLOURS = ["#206bc4", "#1f6f50", "#ae3ec9", "#f76707", "#0ca678", "#d6336c", "#4263eb", "#868e96"];

  // Set per chart: on a phone the legend wraps onto several lines instead of scrolling.
  var narrow = false;

  function base() {
    var option = charts.baseOption();
    option.tooltip.trigger = "axis";
    option.grid = { left: 8, right: 28, top: narrow ? 64 : 40, bottom: 8, containLabel: true };
    option.legend = { type: narrow ? "plain" : "scroll", top: 0, itemGap: narrow ? 8 : 12 };
    return option;
  }

  function completion(data) {
    var c = data.completion, n = data.names;
    var option = base();
    option.color = [LINE_COLOURS[0], LINE_COLOURS[1], "#868e96"];
    option.xAxis = { type: "category", data: c.labels, boundaryGap: false };
    option.yAxis = { type: "value", minInterval: 1 };
    var showSymbols = c.labels.length <= (narrow ? 14 : 40);
    option.series = [
      { name: n.completed, type: "line", data: c.completed, showSymbol: showSymbols, areaStyle: { opacity: 0.15 } },
      { name: n.signed_off, type: "line", data: c.signed_off, showSymbol: showSymbols, areaStyle: { opacity: 0.15 } },
      { name: n.total, type: "line", data: c.total, showSymbol: false, lineStyle: { type: "dashed", width: 1 } }
    ];
    return option;
  }

  function campaigns(data) {
    var option = base();
    option.color = LINE_COLOURS;
    option.tooltip.valueFormatter = function (v) { return v == null ? "—" : v + "%"; };
    option.xAxis = { type: "category", data: data.completion.labels, boundaryGap: false };
    option.yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    if (narrow) option.grid.top = 16 + 20 * data.campaigns.length;
    option.series = data.campaigns.map(function (c) {
      return { name: c.name, type: "line", data: c.rates, showSymbol: false, connectNulls: false };
    });
    return option;
  }

  function categories(c) {
    var n = c.names;
    var option = base();
    option.tooltip.axisPointer = { type: "shadow" };
    var categoryAxis = { type: "category", data: c.labels, axisLabel: { interval: 0 } };
    var valueAxis = { type: "value", minInterval: 1 };
    // On a phone the categories are rows, so that every label stays readable.
    if (narrow) {
      categoryAxis.inverse = true;
      option.xAxis = valueAxis;
      option.yAxis = categoryAxis;
    } else {
      option.xAxis = categoryAxis;
      option.yAxis = valueAxis;
    }
    option.series = ["overdue", "red", "yellow", "green"].map(function (key) {
      return {
        name: n[key],
        type: "bar",
        stack: "warnings",
        barMaxWidth: 36,
        itemStyle: { color: c.colours[key] },
        emphasis: { focus: "series" },
        data: c[key].map(function (cell) { return { value: cell.value, url: cell.url }; })
      };
    });
    return option;
  }

  // Draws every chart in ``root`` not drawn yet: the page's at first, a part's once htmx has
  // put it in.
  function draw(root) {
    if (typeof echarts === "undefined") return;
    var data = charts.readJson("dashboard-data"), cats = charts.readJson("categories-data");
    root.querySelectorAll("[data-chart]").forEach(function (node) {
      if (echarts.getInstanceByDom(node)) return;
      var kind = node.dataset.chart, option = null;
      narrow = node.clientWidth < 520;
      if (kind === "completion" && data && data.completion.labels.length) option = completion(data);
      else if (kind === "campaigns" && data && data.campaigns.length) option = campaigns(data);
      else if (kind === "categories" && cats && cats.labels.length) {
        option = categories(cats);
        if (narrow) charts.fitRows(node, cats.labels.length, 220, 34, 60);
      }
      if (!option) return;
      charts.draw(node, option, false).on("click", function (params) {
        if (params.data && params.data.url) window.location.href = params.data.url;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) draw(event.target);
  });
})();
