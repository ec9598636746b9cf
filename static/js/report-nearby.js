/* "是否已有人反映？" on the report form: once a point and a type are chosen, the published
   reports of that type nearby (GET data-nearby-url, JSON) are listed under the map.
   The map picker and the location button fill the fields without events, so the fields are
   read every second and the list asked for only when they change. */
(function () {
  "use strict";
  var box = document.getElementById("nearby");
  var form = document.getElementById("report-form");
  if (!box || !form || !window.fetch) return;
  var list = box.querySelector("[data-nearby-list]");
  var last = "";

  function query() {
    var lat = (form.querySelector("input[name=lat]") || {}).value || "";
    var lon = (form.querySelector("input[name=lon]") || {}).value || "";
    var system = (form.querySelector("[name=coord_system]") || {}).value || "wgs84";
    var types = Array.prototype.map.call(
      form.querySelectorAll("input[name=categories]:checked"), function (el) { return el.value; });
    if (!lat.trim() || !lon.trim() || !types.length) return "";
    var params = new URLSearchParams({ lat: lat.trim(), lon: lon.trim(), coord: system });
    types.forEach(function (t) { params.append("categories", t); });
    return params.toString();
  }

  function show(cases) {
    list.textContent = "";
    cases.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "mb-1";
      var a = document.createElement("a");
      a.href = c.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = c.text;
      var meta = document.createElement("div");
      meta.className = "small text-secondary";
      meta.textContent = [c.received, c.status, (box.dataset.km || "{m} m").replace("{m}", c.distance_m)].join(" · ");
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    });
    box.hidden = cases.length === 0;
  }

  function check() {
    var q = query();
    if (q === last) return;
    last = q;
    if (!q) { show([]); return; }
    fetch(box.dataset.nearbyUrl + "?" + q, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { cases: [] }; })
      .then(function (data) { if (q === last) show(data.cases || []); })
      .catch(function () { show([]); });
  }

  form.addEventListener("change", check);
  window.setInterval(check, 1000);
})();
