/* The dual-carbon charts: emissions by sector (stacked bars) and by district (lines) over the
   years, from the JSON the page carries (templates/carbon/overview.html, district.html). */
(function () {
  "use strict";
  var charts = window.ShanshuiCharts;
  var data = charts && charts.readJson("carbon-data");
  if (!data) return;

  // One colour per sector (ECharts' default palette in sector order), whichever sectors a page has.
  var PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452",
    "#9a60b4"];

  function draw(id, block, stacked) {
    var node = document.getElementById(id);
    if (!node || !block || !block.years.length) return;
    var option = charts.baseOption();
    option.tooltip = { trigger: "axis", confine: true };
    option.legend = { top: 0 };
    option.grid = { left: 70, right: 16, top: 64, bottom: 30 };
    option.xAxis = { type: "category", data: block.years.map(String) };
    option.yAxis = { type: "value" };
    option.series = block.series.map(function (s) {
      return stacked
        ? { name: s.name, type: "bar", stack: "total", data: s.values,
            itemStyle: { color: PALETTE[s.order % PALETTE.length] } }
        : { name: s.name, type: "line", data: s.values, connectNulls: false };
    });
    charts.draw(node, option, true);
  }

  draw("chart-sectors", data.sectors, true);
  draw("chart-districts", data.districts, false);
})();
