// "Copy" buttons next to read-only fields: shown only where the clipboard can be written.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-done");
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        field.select();
        if (status) {
          status.textContent = status.getAttribute("data-copied");
        }
      });
    });
  });
})();
