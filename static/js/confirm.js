/* Irreversible steps ask first. 不可撤销的操作先确认
 *
 * Any form with data-confirm="<what will happen>" is submitted only after the person presses
 * 确认 in a dialog (#confirm-modal, in templates/base.html); 取消, Esc or a click outside leave
 * the page as it was. The dialog is Tabler's (Bootstrap) modal: focus moves into it and stays
 * there, Tab moves between the two buttons, and focus goes back to the form's button after.
 * Without the modal (no script loaded), the browser's own confirm() asks instead.
 */
(function () {
  "use strict";

  var pending = null; // {form, submitter} while the dialog asks

  function dialog() {
    return document.getElementById("confirm-modal");
  }

  // Tabler's bundle exports Bootstrap's Modal as window.tabler (a plain Bootstrap: window.bootstrap).
  function Modal() {
    var tabler = window.tabler || {};
    return tabler.Modal || (tabler.bootstrap && tabler.bootstrap.Modal) ||
      (window.bootstrap && window.bootstrap.Modal) || null;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
      if (form.dataset.confirmed === "1") {
        delete form.dataset.confirmed; // this is the confirmed submission: let it go
        return;
      }
      var message = form.getAttribute("data-confirm");
      var el = dialog();
      // Nothing else sees the unconfirmed submit (e.g. an onsubmit that disables the button).
      event.preventDefault();
      event.stopImmediatePropagation();
      if (!el || !Modal()) {
        if (window.confirm(message)) submit(form, event.submitter || null);
        return;
      }
      pending = { form: form, submitter: event.submitter || null };
      el.querySelector("[data-confirm-text]").textContent = message;
      Modal().getOrCreateInstance(el).show();
    },
    true
  );

  function submit(form, submitter) {
    form.dataset.confirmed = "1";
    if (form.requestSubmit) {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    } else {
      delete form.dataset.confirmed;
      form.submit();
    }
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("[data-confirm-ok]") || !pending) return;
    var chosen = pending;
    pending = null;
    Modal().getOrCreateInstance(dialog()).hide();
    submit(chosen.form, chosen.submitter);
  });

  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target !== dialog()) return;
    event.target.setAttribute("role", "alertdialog"); // Bootstrap sets "dialog" when it shows
    // The least destructive choice has the focus: Enter alone does not confirm by accident.
    event.target.querySelector("[data-confirm-cancel]").focus();
  });

  var returnTo = null; // where the focus goes back once a cancelled dialog has closed

  document.addEventListener("hide.bs.modal", function (event) {
    if (event.target !== dialog() || !pending) return;
    // Cancelled (取消, Esc or outside): nothing is submitted.
    returnTo = pending.submitter || pending.form.querySelector("[type=submit]");
    pending = null;
  });

  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target !== dialog() || !returnTo) return;
    var back = returnTo;
    returnTo = null;
    back.focus();
  });
})();
