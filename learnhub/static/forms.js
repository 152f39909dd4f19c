// A form is sent once. On a slow connection people tap "Book" or "Save" again while the page loads,
// and the second request would repeat the action (a second cohort) or answer with a refusal that hides
// the success. Forms htmx sends itself are left to htmx; a form marked data-repeatable (a download, after
// which the page stays) may be sent again. Going back to the page (bfcache) makes its forms sendable again.
"use strict";

// A destructive action's form (data-confirm) asks in its <dialog> first; the dialog's own button sends it.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var dialog = form.hasAttribute("data-confirm") && form.querySelector("dialog");
  if (!dialog || (event.submitter && event.submitter.name === "confirmed")) {
    return;
  }
  event.preventDefault();
  dialog.showModal();
});

document.addEventListener("click", function (event) {
  var dismiss = event.target.closest && event.target.closest("dialog [data-dismiss]");
  if (dismiss) {
    dismiss.closest("dialog").close();
  }
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || form.method !== "post" || form.hasAttribute("data-repeatable")) {
    return;
  }
  if (form.hasAttribute("data-sent")) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "");
  form.setAttribute("aria-busy", "true");
});

window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (form) {
    form.removeAttribute("data-sent");
    form.removeAttribute("aria-busy");
  });
});
