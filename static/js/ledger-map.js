/* 整改一张图: the filtered ledger's tasks at their sites, coloured by warning (maps.js gives the
   map and its tiles). The points come as one compact JSON array (views_map.ledger_map_points);
   canvas circle markers keep tens of thousands of them fluid. Popups are built from text nodes:
   titles are users' words. */
(function () {
  "use strict";
  var el = document.getElementById("ledger-map");
  if (!el || typeof L === "undefined" || !window.ShanshuiMap) return;
  var COLOURS = { overdue: "#1d273b", red: "#d63939", yellow: "#f59f00", green: "#2fb344", none: "#9aa0ac" };
  document.querySelectorAll(".legend-dot[data-warning]").forEach(function (dot) {
    dot.style.background = COLOURS[dot.dataset.warning] || COLOURS.none;
  });
  var summary = document.getElementById("map-summary");
  var capped = document.getElementById("map-capped");
  var map = window.ShanshuiMap.create(el, { preferCanvas: true });
  var renderer = L.canvas({ padding: 0.5 });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  function popup(p, labels) {
    // p = [id, code, title, status, warning, deadline, lat, lon]
    var box = document.createElement("div");
    var head = document.createElement("strong");
    head.textContent = p[1] + " " + p[2];
    box.appendChild(head);
    var facts = document.createElement("div");
    facts.className = "text-secondary";
    var parts = [labels.statuses[p[3]] || p[3]];
    if (p[4] !== "none") parts.push(labels.warnings[p[4]] || p[4]);
    if (p[5]) parts.push(el.dataset.deadline + " " + p[5]);
    facts.textContent = parts.join(" · ");
    box.appendChild(facts);
    var link = document.createElement("a");
    link.href = el.dataset.taskUrl.replace(/0\/$/, p[0] + "/");
    link.textContent = el.dataset.open;
    box.appendChild(link);
    return box;
  }

  fetch(el.dataset.points, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      var bounds = [];
      // Worst first in the data: drawn last, so they lie on top.
      for (var i = data.points.length - 1; i >= 0; i--) {
        var p = data.points[i];
        var at = window.ShanshuiMap.shown(el, p[6], p[7]);
        bounds.push(at);
        L.circleMarker(at, {
          renderer: renderer,
          radius: p[4] === "none" || p[4] === "green" ? 6 : 8,
          color: "#ffffff",
          weight: 1.5,
          fillColor: COLOURS[p[4]] || COLOURS.none,
          fillOpacity: 0.9,
        }).bindPopup(popup.bind(null, p, data)).addTo(map);
      }
      if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15, animate: false });
      summary.textContent = fill(el.dataset.summary, { shown: data.points.length, without: data.without_site });
      if (data.with_site > data.points.length) {
        capped.textContent = fill(el.dataset.capped, { shown: data.points.length, total: data.with_site });
        capped.hidden = false;
      }
      el.setAttribute("data-loaded", String(data.points.length));
    })
    .catch(function () { summary.textContent = el.dataset.failed; });
})();
