/* Leaflet maps (vendored), one script for every map of the site.

   A map element carries its base map in data- attributes (lib/maps.py writes them from the
   settings): data-tiles and data-labels (tile URL templates, 天地图's vec_w and cva_w), data-
   subdomains, data-attribution, data-crs (wgs84 | gcj02), and optionally data-center ("lat,lon")
   and data-zoom. Without tiles (no 天地图 key: the default) data-outline names the shipped
   outline of Chongqing's districts, drawn as the base instead, and nothing is requested from
   any other server; data-outline-note is the outline's caveat for the attribution. Stored points
   are WGS84; on GCJ-02 tiles (高德, 腾讯) they are shifted for display only.

   Point pickers: an element with data-map-picker fills the latitude and longitude fields of its
   form, named by data-lat and data-lon (default "lat" / "lon"). A tap or a dragged pin fills
   them; typed or pasted numbers and "use my location" move the pin. The form's coordinate
   system choice, named by data-system (default "coord_system"), says what the numbers are in:
   WGS84, GCJ-02 (高德, 腾讯) or BD-09 (百度); a pick sets it to the tiles' system and the server
   converts to WGS84. Pickers in content loaded later (htmx) start by themselves, loading
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

  // GCJ-02 → WGS84 by fixed-point iteration (as lib/geo.py), BD-09 → GCJ-02 (the published
  // approximate inverse: metres, enough to place a pin; the server converts exactly).
  function fromGcj(la, lo) {
    if (outOfChina(la, lo)) return [la, lo];
    var w = [la, lo];
    for (var i = 0; i < 10; i++) {
      var g = toGcj(w[0], w[1]);
      w = [w[0] + la - g[0], w[1] + lo - g[1]];
    }
    return w;
  }
  var XPI = Math.PI * 3000 / 180;
  function bdToGcj(la, lo) {
    var x = lo - 0.0065, y = la - 0.006;
    var z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * XPI);
    var t = Math.atan2(y, x) - 0.000003 * Math.cos(x * XPI);
    return [z * Math.sin(t), z * Math.cos(t)];
  }
  /* A point given in system ("wgs84", "gcj02", "bd09") as WGS84. */
  function toWgs(la, lo, system) {
    if (system === "gcj02") return fromGcj(la, lo);
    if (system === "bd09") { var g = bdToGcj(la, lo); return fromGcj(g[0], g[1]); }
    return [la, lo];
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

  /* The shipped district outline, fetched once per page however many maps draw it. */
  var outlines = {};
  function outlineData(url) {
    if (!outlines[url]) {
      outlines[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
    }
    return outlines[url];
  }

  // Chongqing's extent (lib/geo.py CHONGQING_BOUNDS): where an outline map opens.
  var CHONGQING = [[28.15, 105.28], [32.21, 110.2]];
  // The outline has districts and nothing finer: closer in than a street block (about 8 m a
  // pixel) or away from Chongqing there is only blank paper. Tiles bring their own limits.
  var OUTLINE_ZOOM = { min: 6, max: 14 };

  /* The outline as the base map: light districts with their borders, in a pane under the
     points, not taking taps (a tap goes to the map: the picker still works); names where
     their district is wide enough on screen to hold them. */
  function drawOutline(map, el) {
    var pane = map.createPane("outline");
    pane.style.zIndex = 250;  // over where tiles would be, under markers and shapes
    pane.style.pointerEvents = "none";
    var labelPane = map.createPane("outline-labels");
    labelPane.style.zIndex = 390;
    labelPane.style.pointerEvents = "none";
    outlineData(el.dataset.outline).then(function (data) {
      var renderer = L.svg({ pane: "outline" });
      var labels = [];
      L.geoJSON(data, {
        pane: "outline",
        renderer: renderer,
        interactive: false,
        style: function (f) {
          return {
            color: "#8796aa", weight: 1, opacity: 0.9, fillOpacity: 0.92,
            // 两江新区 (approximate): a warmer fill and a dashed border.
            fillColor: f.properties.approximate ? "#f4f1e8" : "#ffffff",
            dashArray: f.properties.approximate ? "4 3" : null,
          };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          if (!p.label) return;
          var text = (p.short || p.name) + (p.approximate ? "*" : "");
          var name = document.createElement("span");
          name.textContent = text;
          var label = L.tooltip({
            pane: "outline-labels", permanent: true, direction: "center", interactive: false,
            className: "outline-label", opacity: 1,
          }).setLatLng([p.label[1], p.label[0]]).setContent(name);
          var b = layer.getBounds();
          var size = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
          labels.push({ marker: label, bounds: b, chars: text.length, size: size });
        },
      }).addTo(map);
      // Largest districts first: they keep their name when names would collide.
      labels.sort(function (a, b) { return b.size - a.size; });
      function showLabels() {
        var taken = [], size = map.getSize();
        labels.forEach(function (l) {
          var sw = map.latLngToContainerPoint(l.bounds.getSouthWest());
          var ne = map.latLngToContainerPoint(l.bounds.getNorthEast());
          var at = map.latLngToContainerPoint(l.marker.getLatLng());
          var w = l.chars * 12 + 8, h = 16;
          var box = [at.x - w / 2, at.y - h / 2, at.x + w / 2, at.y + h / 2];
          var fits = Math.abs(ne.x - sw.x) > w + 6 && Math.abs(sw.y - ne.y) > h + 8 &&
            box[0] > 0 && box[1] > 0 && box[2] < size.x && box[3] < size.y &&
            !taken.some(function (t) { return box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]; });
          if (fits) taken.push(box);
          if (fits && !map.hasLayer(l.marker)) l.marker.addTo(map);
          else if (!fits && map.hasLayer(l.marker)) l.marker.remove();
        });
      }
      map.on("zoomend moveend", showLabels);
      showLabels();
      el.setAttribute("data-outline-ready", "");
    }).catch(function () { /* the map still takes taps and shows points */ });
  }

  /* A Leaflet map on the element, with the configured tiles, or the outline without them. */
  /* Leaflet finds its marker images from its stylesheet's name, which collectstatic changes
     (leaflet.<hash>.css): point it at the images beside the stylesheet instead. */
  function markerImages(el) {
    if (typeof L.Icon.Default.imagePath === "string") return;
    var link = document.querySelector('link[href*="vendor/leaflet/leaflet"]');
    var href = link ? link.href : (el.dataset.leafletCss || "");
    if (href) L.Icon.Default.imagePath = href.substring(0, href.lastIndexOf("/") + 1) + "images/";
  }

  function create(el, options) {
    el.hidden = false;
    markerImages(el);
    var outline = !el.dataset.tiles && el.dataset.outline;
    var centre = (el.dataset.center || "29.5630,106.5516").split(",").map(Number);
    var opts = { center: centre, zoom: parseInt(el.dataset.zoom || "10", 10) };
    if (outline) {
      opts.minZoom = OUTLINE_ZOOM.min;
      opts.maxZoom = OUTLINE_ZOOM.max;
      opts.zoomSnap = 0.25;
      opts.maxBounds = L.latLngBounds(CHONGQING).pad(0.25);
      opts.maxBoundsViscosity = 1.0;
    }
    for (var k in options || {}) opts[k] = options[k];
    var map = L.map(el, opts);
    if (outline && !el.dataset.center) map.fitBounds(CHONGQING, { animate: false });
    // The attribution names the map's source only: no library link or flag before it.
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {
        maxZoom: 18,
        subdomains: el.dataset.subdomains || "abc",
        attribution: el.dataset.attribution || "",
      }).addTo(map);
      if (el.dataset.labels) {  // place names (注记) over the tiles
        L.tileLayer(el.dataset.labels, { maxZoom: 18, subdomains: el.dataset.subdomains || "abc" }).addTo(map);
      }
    } else if (outline) {
      drawOutline(map, el);
      if (map.attributionControl) {
        map.attributionControl.addAttribution(el.dataset.attribution || "");
        if (el.dataset.outlineNote) map.attributionControl.addAttribution("* " + el.dataset.outlineNote);
      }
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
    var system = form.querySelector("[name='" + (el.dataset.system || "coord_system") + "']");
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
      // The numbers are in the system the form's choice says; the pin goes where they are.
      var from = (system && system.value) || "wgs84";
      if (from === (gcj ? "gcj02" : "wgs84")) { place([la, lo], true); return; }
      var w = toWgs(la, lo, from);
      place(shown(el, w[0], w[1]), true);
    }
    lat.addEventListener("input", fromFields);
    lon.addEventListener("input", fromFields);
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    if (system) system.addEventListener("change", fromFields);
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

  window.ShanshuiMap = { create: create, shown: shown, toGcj: toGcj, toWgs: toWgs, withLeaflet: withLeaflet, scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
