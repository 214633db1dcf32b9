// Smarketing's own behaviour. Loaded as a file (the CSP allows no inline scripts, no eval).
(function () {
  "use strict";

  function toast(message, kind) {
    var holder = document.querySelector(".app-toasts");
    if (!holder || !window.bootstrap) { return; }
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (kind || "danger");
    el.setAttribute("role", "alert");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    row.appendChild(body);
    row.appendChild(close);
    el.appendChild(row);
    holder.appendChild(el);
    new window.bootstrap.Toast(el, { delay: 6000 }).show();
  }

  // A failed htmx request would otherwise do nothing visible.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var messages = {
      403: "Your role does not allow this, or the page has expired. Reload and try again.",
      404: "That item no longer exists.",
      409: "Someone else changed this first. Reload to see the current state.",
      429: "Too many requests. Wait a moment and try again."
    };
    toast(messages[status] || "Something went wrong (" + status + "). Try again in a moment.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Check your connection.");
  });

  // A box whose typing already asks for the filtered list (data-live-input): its change event, when
  // the user clicks a result, would ask again, and that answer would replace the link being pressed.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-live-input]")) { event.stopPropagation(); }
  }, true);

  // <form data-confirm="Really?"> asks before it submits; htmx forms use hx-confirm instead.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  // <form data-submit-once> posts once: a double click does not send it twice (the server copes, but
  // the second answer would only say the first one already did it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("[data-submit-once]")) { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    // Later, not now: a button disabled before the browser reads the form would not be sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    }, 0);
  });
  // Back to a page from the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = false; });
    });
  });

  // <button data-copy="#id"> copies the text of an element, e.g. a new API token.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        toast("Copied to the clipboard.", "success");
      });
    }
  });

  // <details data-closes-outside> (a filter's pop-up list) closes on a click elsewhere or Escape.
  function closeDetails(except) {
    document.querySelectorAll("details[data-closes-outside][open]").forEach(function (details) {
      if (details !== except) { details.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeDetails(event.target.closest("details[data-closes-outside]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeDetails(null); }
  });

  // <select data-submit-on-change> submits its form at once (role changes, filters without htmx).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-submit-on-change]")) { event.target.form.requestSubmit(); }
  });
})();
