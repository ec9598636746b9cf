/* Charts of the pollution-prevention pages, drawn with the vendored ECharts from the numbers the
   page carries in <script type="application/json" id="monitoring-data"> (json_script): the AQI
   calendar (colours of HJ 633's levels), monthly trends with the target as a line, and the
   districts' ranking. The same numbers are in the tables of each page. No inline script; the
   helpers every chart page shares are in js/charts.js. */
(function () {
  "use strict";

  var charts = window.ShanshuiCharts;
  if (!charts) return;
  var base = charts.baseOption;

  var GREEN = "#2fb344", RED = "#d63939", GREY = "#9aa0ac", BLUE = "#206bc4";

  function calendar(cal, names, narrow) {
    var levelName = {};
    cal.levels.forEach(function (l) { levelName[l.level] = l.name; });
    var option = base();
    option.tooltip.formatter = function (p) {
      var d = p.data || [];
      // Plain text: tooltips are drawn by the chart, not as HTML (charts.js).
      var text = d[0] + "\nAQI " + d[1];
      if (levelName[d[2]]) text += " · " + levelName[d[2]];
      if (d[3]) text += "\n" + names.primary + ": " + d[3];
      return text;
    };
    option.visualMap = {
      type: "piecewise",
      // On a phone the legend does not fit: the table under the chart names the colours.
      show: !narrow,
      dimension: 1,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      itemGap: 6,
      pieces: cal.levels.map(function (l) {
        var piece = { gte: l.min, color: l.colour, label: l.name };
        if (l.max !== null) piece.lte = l.max;
        return piece;
      })
    };
    option.calendar = {
      top: 24, left: 36, right: 8, bottom: narrow ? 8 : 48,
      range: String(cal.year),
      cellSize: ["auto", "auto"],
      splitLine: { show: true, lineStyle: { color: "#6b7785", width: 1 } },
      itemStyle: { borderColor: "#fff", borderWidth: 1, color: "#f1f3f6" },
      dayLabel: { firstDay: 1, nameMap: cal.lang, fontSize: 10 },
      monthLabel: { nameMap: cal.lang, fontSize: 11 },
      yearLabel: { show: false }
    };
    option.series = [{ type: "heatmap", coordinateSystem: "calendar", data: cal.days }];
    return option;
  }

  function trend(t, key, names, narrow) {
    var option = base();
    option.tooltip.trigger = "axis";
    option.grid = { left: 8, right: 48, top: 24, bottom: 8, containLabel: true };
    option.xAxis = {
      type: "category",
      data: t.months,
      axisLabel: { interval: narrow ? "auto" : 0, fontSize: 11 }
    };
    option.yAxis = { type: "value" };
    if (key === "good") { option.yAxis.min = 0; option.yAxis.max = 100; }
    var target = t[key + "_target"];
    var series = {
      name: names[key],
      type: key === "good" ? "bar" : "line",
      data: t[key],
      barMaxWidth: 22,
      symbolSize: 7,
      itemStyle: { color: key === "good" ? GREEN : BLUE },
      label: {
        show: !narrow,
        position: "top",
        fontSize: 10,
        formatter: function (p) {
          return p.value === null || p.value === undefined ? "" : p.value.toFixed(key === "good" ? 1 : 0);
        }
      }
    };
    if (target !== null && target !== undefined) {
      series.markLine = {
        symbol: "none",
        silent: true,
        lineStyle: { color: RED, type: "dashed", width: 2 },
        label: { formatter: names.target + " " + target, position: "insideEndTop", color: RED },
        data: [{ yAxis: target }]
      };
    }
    option.series = [series];
    return option;
  }

  function ranking(r, names) {
    var option = base();
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = { type: "shadow" };
    option.grid = { left: 8, right: 40, top: 28, bottom: 8, containLabel: true };
    option.legend = { top: 0, data: [names.good, names.target] };
    option.xAxis = { type: "value", min: 0, max: 100 };
    option.yAxis = { type: "category", data: r.labels, inverse: true, axisLabel: { interval: 0 } };
    option.series = [
      {
        name: names.good,
        type: "bar",
        barMaxWidth: 18,
        data: r.values.map(function (v, i) {
          var colour = r.status[i] === "met" ? GREEN : r.status[i] === "missed" ? RED : GREY;
          return { value: v, itemStyle: { color: colour } };
        }),
        itemStyle: { color: GREEN },
        label: {
          show: true,
          position: "right",
          formatter: function (p) { return p.value.toFixed(1) + "%"; }
        }
      },
      {
        name: names.target,
        type: "scatter",
        symbol: "rect",
        symbolSize: [3, 18],
        itemStyle: { color: "#1d273b" },
        data: r.targets
      }
    ];
    return option;
  }

  function draw() {
    var data = charts.readJson("monitoring-data");
    if (!data || typeof echarts === "undefined") return;
    var names = data.names || {};
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var kind = node.dataset.chart;
      var option = null;
      if (kind === "calendar" && data.calendar && data.calendar.days.length) {
        option = calendar(data.calendar, data.calendar.names || {}, node.clientWidth < 600);
      } else if (kind === "trend" && data.trend) {
        option = trend(data.trend, node.dataset.series, names, node.clientWidth < 600);
      } else if (kind === "ranking" && data.ranking && data.ranking.labels.length) {
        charts.fitRows(node, data.ranking.labels.length, 200, 26, 50);
        option = ranking(data.ranking, names);
      }
      if (!option) return;
      charts.draw(node, option, true);
      node.dataset.drawn = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
