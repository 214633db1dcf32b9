// Live countdowns of SLA clocks: <time datetime="2026-03-09T11:00:00+00:00" data-countdown>2 h 14 min left</time>.
// The server writes the time left when it makes the page; this keeps it going every second, in the
// same words (sla/templatetags/sla_tags.py time_left). The deadline already counts business hours
// only, so what is left is plain wall-clock time until it.
(function () {
  "use strict";

  function words(ms) {
    var overdue = ms < 0;
    var s = Math.floor(Math.abs(ms) / 1000);
    var text;
    if (s >= 86400) {
      text = Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
    } else if (s >= 3600) {
      text = Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    } else if (s >= 60) {
      var seconds = s % 60;
      text = Math.floor(s / 60) + " min " + (seconds < 10 ? "0" : "") + seconds + " s";
    } else {
      text = s + " s";
    }
    return overdue ? "overdue by " + text : text + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var text = words(due - now);
      if (el.textContent !== text) { el.textContent = text; }
      el.classList.toggle("is-overdue", due <= now);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tick);
  } else {
    tick();
  }
  window.setInterval(tick, 1000);
  // Rows htmx swaps in (a filtered inbox) start counting at once.
  document.addEventListener("htmx:afterSettle", tick);
})();
