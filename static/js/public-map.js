/* The public front door's map: the most recent public cases at their points (maps.js gives the
   map and its tiles). The points come in the page as JSON ([code, lat, lon, open]); popups are
   built from text nodes. Without tiles the points still show. */
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("front-map");
    var data = document.getElementById("front-map-points");
    if (!el || !data || typeof L === "undefined" || !window.ShanshuiMap) return;
    var points = JSON.parse(data.textContent);
    var map = window.ShanshuiMap.create(el, { preferCanvas: true, scrollWheelZoom: false });
    var renderer = L.canvas({ padding: 0.5 });
    var bounds = [];
    points.forEach(function (p) {
      var at = window.ShanshuiMap.shown(el, p[1], p[2]);
      bounds.push(at);
      var box = document.createElement("div");
      var head = document.createElement("strong");
      head.textContent = p[0];
      box.appendChild(head);
      var status = document.createElement("div");
      status.className = "text-secondary";
      status.textContent = p[3] ? el.dataset.labelOpen : el.dataset.labelClosed;
      box.appendChild(status);
      var link = document.createElement("a");
      link.href = el.dataset.caseUrl.replace("CODE", encodeURIComponent(p[0]));
      link.textContent = el.dataset.open;
      box.appendChild(link);
      L.circleMarker(at, {
        renderer: renderer, radius: 7, color: "#ffffff", weight: 1.5,
        fillColor: p[3] ? "#f59f00" : "#2fb344", fillOpacity: 0.9,
      }).bindPopup(box).addTo(map);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13, animate: false });
    el.setAttribute("data-loaded", String(points.length));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
