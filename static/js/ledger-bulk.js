/* The ledger list's selection. 台账批量操作
 *
 * The rows' checkboxes (name="ids", form="ledger-bulk") post with the bulk form whether or not
 * this script runs. It adds: the "select all on this page" box in the table's head, the count of
 * ticked tasks, action buttons that wait for a selection, and the clicked button's data-confirm
 * handed to the form, where js/confirm.js asks for it (export asks nothing).
 */
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("ledger-bulk");
    if (!form) return;
    var all = document.querySelector('[data-select-all="ledger-bulk"]');
    var count = form.querySelector("[data-bulk-count]");
    var buttons = form.querySelectorAll("[data-bulk-action]");

    function boxes() {
      return Array.prototype.slice.call(
        document.querySelectorAll('input[type=checkbox][name=ids][form="ledger-bulk"]')
      );
    }

    function update() {
      var list = boxes();
      var n = list.filter(function (b) { return b.checked; }).length;
      if (all) {
        all.checked = n > 0 && n === list.length;
        all.indeterminate = n > 0 && n < list.length;
      }
      if (count) {
        count.textContent = n ? count.dataset.some.replace("{n}", n) : count.dataset.none;
      }
      buttons.forEach(function (b) { b.disabled = n === 0; });
    }

    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    document.addEventListener("change", function (event) {
      var t = event.target;
      if (t && t.name === "ids" && t.getAttribute("form") === "ledger-bulk") update();
    });
    // Runs before the submit event, also for Enter in a field (the default button's click).
    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[type=submit]");
      if (!button || button.form !== form) return;
      if (button.dataset.confirm) form.setAttribute("data-confirm", button.dataset.confirm);
      else form.removeAttribute("data-confirm");
    });
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
