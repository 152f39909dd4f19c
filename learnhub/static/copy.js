// "Copy" buttons: data-copy names the field whose value goes to the clipboard. Without JavaScript the
// buttons stay hidden and the field can be selected and copied by hand.
"use strict";

document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = button.parentElement.querySelector("[data-copy-status]");
  if (!field || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      if (status) {
        status.textContent = button.getAttribute("data-copied");
      }
    }, function () {
      field.select();
    });
  });
});
