/* Charts of the public statistics page, drawn with the vendored ECharts from the numbers the
   page carries in <script type="application/json" id="stats-data"> (json_script). The same
   numbers are in the tables below each chart. No network, no inline script; the helpers every
   chart page shares are in js/charts.js. */
(function () {
  "use strict";

  var charts = window.ShanshuiCharts;
  if (!charts) return;

  var PALETTE = ["#1f6f50", "#2f8fc9", "#e8a33d", "#c8553d", "#7a5ea8", "#3aa39a", "#8c8c3e", "#6b7785"];

  function base() {
    var option = charts.baseOption();
    option.color = PALETTE;
    option.tooltip.trigger = "item";
    return option;
  }

  function pie(series, name, narrow) {
    var option = base();
    // On a phone the labels beside the slices do not fit: the legend and the table name them.
    option.legend = { type: narrow ? "plain" : "scroll", bottom: 0, itemGap: 8 };
    option.series = [{
      name: name,
      type: "pie",
      radius: narrow ? ["28%", "52%"] : ["35%", "65%"],
      center: ["50%", narrow ? "40%" : "45%"],
      avoidLabelOverlap: true,
      label: narrow ? { show: true, position: "inside", formatter: "{c}", color: "#fff" } : { formatter: "{b}\n{c}" },
      data: series.labels.map(function (label, i) { return { name: label, value: series.values[i] }; })
    }];
    return option;
  }

  function bars(series, name, horizontal) {
    var option = base();
    option.tooltip.trigger = "axis";
    option.grid = { left: 8, right: 24, top: 16, bottom: 8, containLabel: true };
    var categoryAxis = { type: "category", data: series.labels, axisLabel: { interval: 0 } };
    var valueAxis = { type: "value", minInterval: 1 };
    if (horizontal) {
      categoryAxis.inverse = true;
      option.xAxis = valueAxis;
      option.yAxis = categoryAxis;
    } else {
      categoryAxis.axisLabel.rotate = series.labels.length > 4 ? 30 : 0;
      option.xAxis = categoryAxis;
      option.yAxis = valueAxis;
    }
    option.series = [{
      name: name, type: "bar", data: series.values, barMaxWidth: 28,
      label: { show: true, position: horizontal ? "right" : "top" }
    }];
    return option;
  }

  function line(series, name) {
    var option = base();
    option.tooltip.trigger = "axis";
    option.grid = { left: 8, right: 24, top: 24, bottom: 8, containLabel: true };
    option.xAxis = { type: "category", data: series.labels, boundaryGap: false };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = [{
      name: name, type: "line", data: series.values, smooth: false, symbolSize: 6,
      areaStyle: { opacity: 0.12 }
    }];
    return option;
  }

  function draw() {
    var data = charts.readJson("stats-data");
    if (!data || typeof echarts === "undefined") return;
    var name = (data.names && data.names.cases) || "";
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var key = node.dataset.chart;
      var series = data[key];
      if (!series || !series.values || !series.values.length) return;
      var option;
      if (node.dataset.kind === "pie") option = pie(series, name, node.clientWidth < 480);
      else if (node.dataset.kind === "line") option = line(series, name);
      else option = bars(series, name, node.dataset.kind === "hbar");
      if (node.dataset.kind === "hbar") charts.fitRows(node, series.labels.length, 240, 26, 40);
      charts.draw(node, option, true);
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
