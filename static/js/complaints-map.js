/* The report form's map picker (Leaflet, vendored). A tap or a dragged pin fills the latitude and
   longitude fields; typed numbers or "use my location" move the pin. The tiles' coordinate system
   comes from the page (data-crs): on GCJ-02 tiles (高德, 腾讯) a picked point is sent as GCJ-02 and
   the server converts it to WGS84; GPS positions are shifted to GCJ-02 for display only. Without
   tiles (no network) the map still takes a tap, and the form works without the map at all. */
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  if (!el || typeof L === "undefined") return;
  var form = el.closest("form");
  var lat = form.querySelector("input[name=lat]");
  var lon = form.querySelector("input[name=lon]");
  var system = form.querySelector("input[name=coord_system]");
  var gcj = el.dataset.crs === "gcj02";

  // WGS84 → GCJ-02 (the public formulas; the inverse is done on the server).
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

  el.hidden = false;
  var hint = form.querySelector("[data-map-hint]");
  if (hint) hint.hidden = false;
  var centre = (el.dataset.center || "29.5630,106.5516").split(",").map(Number);
  var map = L.map(el, { center: centre, zoom: parseInt(el.dataset.zoom || "10", 10) });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 18,
      subdomains: el.dataset.subdomains || "abc",
      attribution: el.dataset.attribution || "",
    }).addTo(map);
  }
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
    var shown = gcj && !inGcj ? toGcj(la, lo) : [la, lo];
    place(shown, true);
  }
  // Typed numbers and "use my location" fill the fields (as WGS84); follow them.
  ["change", "input"].forEach(function (type) {
    lat.addEventListener(type, fromFields);
    lon.addEventListener(type, fromFields);
  });
  form.addEventListener("shanshui:located", fromFields);
  if (lat.value && lon.value) fromFields();
})();
