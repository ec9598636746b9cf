/* What every chart page shares, loaded after the vendored ECharts and before the page's own
   script (templates/_chart_scripts.html): reading the numbers the page carries in a
   <script type="application/json"> (json_script), the options every chart starts from, drawing
   a chart and resizing all of them with the window. No network, no inline script. */
(function () {
  "use strict";

  // The JSON a page put in <script type="application/json" id="…">, or null (absent or broken:
  // the tables on the page still carry the numbers).
  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  // For tooltips built as HTML: the names in them come from the database.
  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // A fresh option every time (the callers add to it): no animation, so a chart is complete at
  // once on a slow machine and in print; the page's font, for the Chinese labels; tooltips kept
  // inside the chart, so that they do not run off a phone's screen.
  function baseOption() {
    return {
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { confine: true }
    };
  }

  // A chart with one row per item (district, category) grows with the list, so that every
  // name stays readable.
  function fitRows(node, rows, min, perRow, extra) {
    node.style.height = Math.max(min, rows * perRow + extra) + "px";
  }

  var charts = [];

  // Draws ``option`` into ``node`` and keeps the chart for the resize below. ``svg``: drawn as
  // SVG, which prints sharply, and announced to screen readers as one image (the public and
  // monitoring pages); otherwise ECharts' canvas, which the dashboard keeps.
  //
  // Tooltips are drawn by the chart itself (renderMode "richText"), not as HTML: ECharts' HTML
  // tooltips carry style attributes, which the Content-Security-Policy blocks. A formatter
  // therefore returns plain text, lines split with "\n".
  function draw(node, option, svg) {
    [].concat(option.tooltip || []).forEach(function (t) { t.renderMode = "richText"; });
    var chart = svg ? echarts.init(node, null, { renderer: "svg" }) : echarts.init(node);
    chart.setOption(option);
    if (svg) node.setAttribute("role", "img");
    charts.push(chart);
    return chart;
  }

  // One listener for every chart on the page, including those drawn after htmx put a part in;
  // a drag of the window's edge resizes them once, when it stops.
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.resize(); });
    }, 150);
  });

  window.ShanshuiCharts = {
    readJson: readJson,
    escapeHtml: escapeHtml,
    baseOption: baseOption,
    fitRows: fitRows,
    draw: draw
  };
})();
