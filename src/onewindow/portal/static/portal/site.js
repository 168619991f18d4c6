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

// A select marked data-fills="<field>" copies the chosen option's text into that field of its form
// when the field is still empty (the workbench's standard comments). Here rather than in an inline
// handler: the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.dataset.fills || !select.form) return;
  var box = select.form.elements[select.dataset.fills];
  if (box && select.value && !box.value.trim()) {
    box.value = select.options[select.selectedIndex].text;
  }
});

// A <details data-closed-narrow> (the task page's materials) is open in the page, for readers
// without this file, and folded on a phone, where it comes before the work.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 59.99rem)").matches) return;
  document.querySelectorAll("details[data-closed-narrow]").forEach(function (details) {
    details.open = false;
  });
});
// After a refused form the page opens at its error summary (GOV.UK's pattern): focus moves there,
// so a screen reader reads the problems first and a keyboard continues from their links. Summaries
// with the autofocus attribute are focused by the browser already; this covers the others.
function focusErrorSummary() {
  var summary = document.querySelector("main .error-summary");
  if (!summary || (document.activeElement && document.activeElement !== document.body)) return;
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", focusErrorSummary);
} else {
  focusErrorSummary();
}

// A textarea marked data-count="<limit>" (the ticket form's description) says how much is written,
// in the hint beside it (<id>_count, words from its data-text / data-over). The server counts too.
document.addEventListener("input", function (event) {
  var box = event.target;
  if (box instanceof HTMLTextAreaElement && box.dataset.count) showCount(box);
});
function showCount(box) {
  var hint = document.getElementById(box.id + "_count");
  if (!hint) return;
  var n = box.value.length;
  var words = n > Number(box.dataset.count) ? hint.dataset.over : hint.dataset.text;
  hint.textContent = words.replace("{n}", String(n));
  hint.hidden = false;
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-count]").forEach(function (box) {
    if (box.value) showCount(box);
  });
  // 使用我的位置: only where the browser can tell, and only to fill the form's hidden lat/long;
  // the address typed stays what counts, and nothing requires a location.
  if (!("geolocation" in navigator)) return;
  var policy = document.permissionsPolicy || document.featurePolicy;
  if (policy && policy.allowsFeature && !policy.allowsFeature("geolocation")) return;
  document.querySelectorAll("button[data-locate]").forEach(function (button) {
    var holder = button.closest(".locate");
    var status = holder && holder.querySelector(".locate-status");
    if (holder) holder.hidden = false;
    button.addEventListener("click", function () {
      var form = button.form;
      if (status) status.textContent = button.dataset.working;
      navigator.geolocation.getCurrentPosition(function (where) {
        form.elements.lat.value = where.coords.latitude.toFixed(6);
        form.elements.long.value = where.coords.longitude.toFixed(6);
        if (status) status.textContent = button.dataset.located;
      }, function () {
        if (status) status.textContent = button.dataset.failed;
      }, { timeout: 10000, maximumAge: 60000 });
    });
  });
});
