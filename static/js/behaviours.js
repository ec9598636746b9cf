/* Small page behaviours declared in the markup, so no page needs an inline handler (the
 * Content-Security-Policy allows none; shanshui/lib/csp.py):
 *   <select data-autosubmit>         submits its form when the choice changes (the language menu);
 *   <button data-print>              prints the page (the printable sheets);
 *   <form data-disable-on-submit>    disables its buttons once submitted, so a slow answer is not
 *                                    sent twice (runs after confirm.js has let the submission go).
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit();
      else el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-disable-on-submit")) return;
    if (event.defaultPrevented) return;
    // After this turn, so the submitter's name and value still go with the form.
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
