// Small enhancements; every page works without this file.
// A button marked data-once is disabled after its form is submitted, so a double click sends once
// (the server guards too).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  form.querySelectorAll("button[data-once]").forEach(function (button) {
    window.setTimeout(function () { button.disabled = true; button.setAttribute("aria-disabled", "true"); }, 0);
  });
});
