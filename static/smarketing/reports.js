// The meeting packs: print, and the check-in's content rows folding under their campaign.
// Loaded as a file (the CSP allows no inline script); charts are drawn by charts.js.
(function () {
  "use strict";

  // <button data-print> opens the browser's print dialog (the print stylesheet fits the page).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  function show(group, open) {
    document.querySelectorAll('tr[data-in-group="' + group + '"]').forEach(function (row) {
      row.hidden = !open;
    });
    document.querySelectorAll('[data-toggle-group="' + group + '"]').forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      // A button that says what it does next (data-label-open / data-label-closed) changes its words.
      var label = button.getAttribute(open ? "data-label-open" : "data-label-closed");
      if (label) { button.textContent = label; }
    });
  }

  // <button data-toggle-group="c-12"> shows or hides the rows <tr data-in-group="c-12">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle-group]");
    if (!button) { return; }
    show(button.getAttribute("data-toggle-group"), button.getAttribute("aria-expanded") !== "true");
  });

  // <button data-toggle-all> shows or hides every content row at once.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle-all]");
    if (!button) { return; }
    var open = button.getAttribute("aria-expanded") !== "true";
    var groups = {};
    document.querySelectorAll("tr [data-toggle-group]").forEach(function (toggle) {
      groups[toggle.getAttribute("data-toggle-group")] = true;
    });
    Object.keys(groups).forEach(function (group) { show(group, open); });
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Hide the content rows" : "Show all content";
  });
})();
