/* Public supervision pages: the report form (character counter, "use my location", photo checks,
   one submission at a time), copying the tracking code, printing the disclosure table.
   Plain JS, no build step, no inline handlers (CSP-friendly). Every message comes from the page
   (data-* attributes rendered through Django's translations). Without JS the form still works. */
(function () {
  "use strict";

  function chars(text) {
    // Code points, as the server counts; line breaks count once.
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) {
      return key in values ? String(values[key]) : "";
    });
  }

  function setupCounter(form) {
    var area = form.querySelector("textarea[data-counter]");
    var out = form.querySelector("[data-counter-for]");
    if (!area || !out) return;
    var max = parseInt(area.getAttribute("maxlength") || out.dataset.max || "4000", 10);
    function update() {
      var n = chars(area.value);
      out.textContent = fill(out.dataset.template || "{n} / {max}", { n: n, max: max });
      out.classList.toggle("is-over", n > max);
    }
    area.addEventListener("input", update);
    update();
  }

  function setupLocation(form) {
    var button = form.querySelector("[data-locate]");
    var lat = form.querySelector("input[name=lat]");
    var lon = form.querySelector("input[name=lon]");
    var system = form.querySelector("[name=coord_system]");
    var status = form.querySelector("[data-locate-status]");
    if (!lat || !lon) return;
    function say(text, kind) {
      if (!status) return;
      status.textContent = text || "";
      status.className = "small mt-1 " + (kind === "error" ? "text-danger" : "text-secondary");
    }
    // Typed or pasted numbers are in the system the form's choice says (WGS84 unless changed).
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.locating);
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          button.disabled = false;
          // The browser's position is WGS84.
          lat.value = pos.coords.latitude.toFixed(6);
          lon.value = pos.coords.longitude.toFixed(6);
          if (system) system.value = "wgs84";
          form.dispatchEvent(new CustomEvent("shanshui:located"));
          say(fill(button.dataset.found || "", { m: Math.round(pos.coords.accuracy || 0) }));
        },
        function (err) {
          button.disabled = false;
          say(err && err.code === 1 ? button.dataset.denied : button.dataset.failed, "error");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function setupPhotos(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file][name=photos]"));
    var out = form.querySelector("[data-photo-status]");
    if (!inputs.length || !out) return null;
    var max = parseInt(form.dataset.maxPhotos || "6", 10);
    var maxBytes = parseInt(form.dataset.maxPhotoBytes || "0", 10);
    function check() {
      var files = [];
      inputs.forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (f) { files.push(f); });
      });
      var problem = "";
      if (files.length > max) {
        problem = fill(out.dataset.tooMany, { n: files.length, max: max });
      } else {
        var big = files.filter(function (f) { return maxBytes && f.size > maxBytes; })[0];
        if (big) problem = fill(out.dataset.tooLarge, { name: big.name });
      }
      if (problem) {
        out.textContent = problem;
        out.className = "invalid-feedback d-block";
      } else {
        out.textContent = files.length ? fill(out.dataset.chosen, { n: files.length, max: max }) : "";
        out.className = "form-hint";
      }
      inputs.forEach(function (input) { input.classList.toggle("is-invalid", !!problem); });
      return problem;
    }
    inputs.forEach(function (input) { input.addEventListener("change", check); });
    return check;
  }

  function setupReportForm(form) {
    setupCounter(form);
    setupLocation(form);
    var checkPhotos = setupPhotos(form);
    form.addEventListener("submit", function (event) {
      if (checkPhotos && checkPhotos()) {
        event.preventDefault();
        var first = form.querySelector("input[type=file][name=photos]");
        if (first) first.focus();
        return;
      }
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      var button = form.querySelector("[type=submit]");
      if (button) {
        button.disabled = true;
        if (button.dataset.sending) button.textContent = button.dataset.sending;
      }
    });
    // Back/forward cache: a restored page must be submittable again.
    window.addEventListener("pageshow", function () {
      form.dataset.sending = "";
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = false;
    });
  }

  function setupCopy(button) {
    var target = document.querySelector(button.dataset.copy);
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = button.dataset.copied || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-report-form]");
    if (form) setupReportForm(form);
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
