// The dashboard's filters. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  // Editing a date means "these dates": the period becomes "Custom dates" before the form is read
  // (capture phase: this runs before htmx hears the change on the form).
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-custom-date]")) { return; }
    var select = event.target.form && event.target.form.querySelector("[data-period-select]");
    if (select) { select.value = "custom"; }
  }, true);
})();
