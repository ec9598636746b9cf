/* Leaflet maps (vendored), one script for every map of the site.

   A map element carries its tile source in data- attributes (lib/maps.py writes them from the
   settings): data-tiles, data-subdomains, data-attribution, data-crs (wgs84 | gcj02), and
   optionally data-center ("lat,lon") and data-zoom. Stored points are WGS84; on GCJ-02 tiles
   (高德, 腾讯) they are shifted for display only. Without tiles (no network) a map still shows
   its points and still takes a tap.

   Point pickers: an element with data-map-picker fills the latitude and longitude fields of its
   form, named by data-lat and data-lon (default "lat" / "lon"). A tap or a dragged pin fills
   them; typed numbers (WGS84) or "use my location" move the pin. A point picked on GCJ-02 tiles
   is sent as GCJ-02 in the hidden field named by data-system (default "coord_system") and the
   server converts it. Pickers in content loaded later (htmx) start by themselves, loading
   Leaflet first if the page has not (data-leaflet-js / data-leaflet-css). The forms work
   without any of this. */
(function () {
  "use strict";
  if (window.ShanshuiMap) {  // the script came again with content loaded later
    window.ShanshuiMap.scan(document);
    return;
  }

  // WGS84 → GCJ-02 (the public formulas; the inverse is done on the server, lib/geo.py).
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(la, lo) { return lo < 72.004 || lo > 137.8347 || la < 0.8293 || la > 55.8271; }
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  }
  function tLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  }
  function toGcj(la, lo) {
    if (outOfChina(la, lo)) return [la, lo];
    var dLat = tLat(lo - 105, la - 35), dLon = tLon(lo - 105, la - 35);
    var rad = la / 180 * Math.PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sq = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLon = (dLon * 180) / (A / sq * Math.cos(rad) * Math.PI);
    return [la + dLat, lo + dLon];
  }

  /* A stored WGS84 point where the map's tiles draw it. */
  function shown(el, la, lo) {
    return el.dataset.crs === "gcj02" ? toGcj(la, lo) : [la, lo];
  }

  /* Leaflet, loaded once when the page did not include it (a form loaded into the page). */
  var waiting = null;
  function withLeaflet(el, done) {
    if (typeof L !== "undefined") { done(); return; }
    if (!el.dataset.leafletJs) return;
    if (waiting) { waiting.push(done); return; }
    waiting = [done];
    function loadScript() {
      var script = document.createElement("script");
      script.src = el.dataset.leafletJs;
      script.onload = function () { var q = waiting; waiting = null; q.forEach(function (f) { f(); }); };
      document.head.appendChild(script);
    }
    if (el.dataset.leafletCss && !document.querySelector("link[data-leaflet]")) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = el.dataset.leafletCss;
      css.setAttribute("data-leaflet", "");
      css.onload = css.onerror = loadScript;  // the CSS first: marker icons find their path in it
      document.head.appendChild(css);
    } else {
      loadScript();
    }
  }

  /* A Leaflet map on the element, with the configured tiles (if any). */
  function create(el, options) {
    el.hidden = false;
    var centre = (el.dataset.center || "29.5630,106.5516").split(",").map(Number);
    var opts = { center: centre, zoom: parseInt(el.dataset.zoom || "10", 10) };
    for (var k in options || {}) opts[k] = options[k];
    var map = L.map(el, opts);
    // The attribution names the map's source only: no library link or flag before it.
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {
        maxZoom: 18,
        subdomains: el.dataset.subdomains || "abc",
        attribution: el.dataset.attribution || "",
      }).addTo(map);
    }
    // A map laid out while hidden (a closed card) measures itself again when shown.
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
    }
    return map;
  }

  function picker(el) {
    var form = el.closest("form");
    if (!form) return;
    var lat = form.querySelector("input[name='" + (el.dataset.lat || "lat") + "']");
    var lon = form.querySelector("input[name='" + (el.dataset.lon || "lon") + "']");
    var system = form.querySelector("input[name='" + (el.dataset.system || "coord_system") + "']");
    if (!lat || !lon) return;
    var gcj = el.dataset.crs === "gcj02";
    form.querySelectorAll("[data-map-hint]").forEach(function (h) { h.hidden = false; });
    var map = create(el);
    var marker = null;

    function place(point, pan) {
      if (!marker) {
        marker = L.marker(point, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { pick(marker.getLatLng()); });
      } else {
        marker.setLatLng(point);
      }
      if (pan) map.setView(point, Math.max(map.getZoom(), 15));
    }

    function pick(latlng) {
      // A point on the map is in the tiles' system.
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (system) system.value = gcj ? "gcj02" : "wgs84";
      place(latlng, false);
    }

    map.on("click", function (e) { pick(e.latlng); });

    function fromFields() {
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (!isFinite(la) || !isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) return;
      var inGcj = system && system.value === "gcj02";
      place(gcj && !inGcj ? toGcj(la, lo) : [la, lo], true);
    }
    function typed() {
      // Numbers typed by hand are WGS84, as the form says, even after a pick on GCJ-02 tiles.
      if (system) system.value = "wgs84";
      fromFields();
    }
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    form.addEventListener("shanshui:located", fromFields);  // "use my location" (WGS84)
    if (lat.value && lon.value) fromFields();
  }

  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("[data-map-picker]"));
    if (scope.matches && scope.matches("[data-map-picker]")) found.push(scope);
    found.forEach(function (el) {
      if (el.hasAttribute("data-map-ready")) return;
      el.setAttribute("data-map-ready", "");
      withLeaflet(el, function () { picker(el); });
    });
  }

  window.ShanshuiMap = { create: create, shown: shown, toGcj: toGcj, withLeaflet: withLeaflet, scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
