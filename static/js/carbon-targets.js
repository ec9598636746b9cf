/* The targets page (templates/carbon/targets.html): one gauge per target (share of the target
   achieved, of the cap used) and one chart per trajectory (observed CO2, then the projection
   at the current pace, the peak year marked), from the JSON the page carries. */
(function () {
  "use strict";
  var charts = window.ShanshuiCharts;
  var data = charts && charts.readJson("carbon-targets");
  if (!data) return;
  var COLOURS = { on_track: "#2fb344", behind: "#d63939", no_data: "#9aa0ac" };

  function gauge(g) {
    var node = document.getElementById(g.id);
    if (!node || g.value === null) return;
    var option = charts.baseOption();
    option.series = [{
      type: "gauge", min: 0, max: 150, radius: "95%", center: ["50%", "60%"],
      startAngle: 200, endAngle: -20, splitNumber: 3,
      progress: { show: true, width: 10, itemStyle: { color: COLOURS[g.status] } },
      axisLine: { lineStyle: { width: 10 } },
      axisTick: { show: false }, splitLine: { length: 6 }, pointer: { show: false },
      axisLabel: { distance: 14, fontSize: 10 },
      detail: { valueAnimation: false, offsetCenter: [0, "10%"], fontSize: 18,
        formatter: function (v) { return Math.round(v) + "%"; } },
      data: [{ value: Math.max(0, Math.min(150, g.value)) }]
    }];
    charts.draw(node, option, true);
  }

  function trajectory(id, block) {
    var node = document.getElementById(id + "-chart");
    if (!node || !block.years.length) return;
    var option = charts.baseOption();
    option.tooltip = { trigger: "axis", confine: true };
    // The legend under the chart: above it, on a phone, it ran into the axis name (t CO2).
    option.legend = { bottom: 0 };
    option.grid = { left: 80, right: 16, top: 32, bottom: 56 };
    option.xAxis = { type: "category", data: block.years.map(String) };
    option.yAxis = { type: "value", scale: true, name: "t CO2" };
    var labels = node.dataset;
    option.series = [
      { name: labels.observed || "observed", type: "line", data: block.observed },
      { name: labels.projected || "projected", type: "line", data: block.projected,
        lineStyle: { type: "dashed" },
        markLine: block.peak ? { symbol: "none", data: [{ xAxis: String(block.peak) }],
          label: { formatter: (labels.peak || "peak") + " " + block.peak } } : undefined }
    ];
    charts.draw(node, option, true);
  }

  Object.keys(data).forEach(function (id) {
    trajectory(id, data[id]);
    (data[id].gauges || []).forEach(gauge);
  });
})();
