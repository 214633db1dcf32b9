// Charts for report pages, drawn with the vendored Chart.js from data the server put in the page.
// The CSP allows no inline script, so a page describes each chart with data attributes:
//
//   {{ chart|chart_data:"chart-funnel" }}     (smarketing/templatetags/chart_data.py: htmx keeps it)
//   <canvas data-chart="chart-funnel" data-chart-type="bar" data-chart-horizontal data-chart-suffix="%"
//           role="img" aria-label="Funnel: leads entering each stage"></canvas>
//
// data-chart            id of the element whose text is {"labels": [...], "datasets": [{"label", "data", ...}]}
//                       (each dataset may carry any Chart.js dataset option, e.g. "type": "line" to mix;
//                       an optional top-level "options" object is merged into the chart's options)
// data-chart-type       bar (default), line, doughnut, pie
// data-chart-horizontal bars run left to right (index axis y)
// data-chart-stacked    datasets stack
// data-chart-suffix     appended to value ticks and tooltips ("%", " h")
// data-chart-max        the value axis ends here (100 for percentages)
//
// Load it after chart.umd.min.js (both with defer). Charts are drawn on page load and again in any
// content htmx swaps in; a canvas drawn gets data-chart-drawn="1". window.SmarketingCharts.render(root, true)
// draws (again) the charts under `root` by hand.
(function () {
  "use strict";

  var PALETTE = ["#2f3e9e", "#1f9d8b", "#e0873a", "#c0392b", "#7a5cc2", "#3d8fd1", "#8a9a2b", "#b24c8a"];

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function merge(target, source) {
    Object.keys(source || {}).forEach(function (key) {
      if (isPlainObject(source[key]) && isPlainObject(target[key])) {
        merge(target[key], source[key]);
      } else {
        target[key] = source[key];
      }
    });
    return target;
  }

  function readData(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return null; }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function colour(index, alpha) {
    var hex = PALETTE[index % PALETTE.length];
    if (alpha === undefined) { return hex; }
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function build(canvas, data) {
    var type = canvas.getAttribute("data-chart-type") || "bar";
    var round = type === "doughnut" || type === "pie";
    var suffix = canvas.getAttribute("data-chart-suffix") || "";
    var horizontal = canvas.hasAttribute("data-chart-horizontal");
    var stacked = canvas.hasAttribute("data-chart-stacked");
    var max = canvas.getAttribute("data-chart-max");
    var datasets = (data.datasets || []).map(function (set, index) {
      var shaped = merge({}, set);
      var line = (set.type || type) === "line";
      if (round && shaped.backgroundColor === undefined) {
        shaped.backgroundColor = (set.data || []).map(function (_, n) { return colour(n); });
      }
      if (shaped.backgroundColor === undefined) { shaped.backgroundColor = line ? colour(index, 0.15) : colour(index, 0.85); }
      if (shaped.borderColor === undefined) { shaped.borderColor = colour(index); }
      if (line) {
        // Monotone curves never overshoot the data (a share of 100% stays at 100%), and a point
        // on the axis's end is drawn whole, not cut in half.
        if (shaped.cubicInterpolationMode === undefined) { shaped.cubicInterpolationMode = "monotone"; }
        if (shaped.clip === undefined) { shaped.clip = 6; }
        if (shaped.spanGaps === undefined) { shaped.spanGaps = true; }
      } else if (!round && shaped.borderRadius === undefined) {
        shaped.borderRadius = 3;
      }
      return shaped;
    });
    var valueAxis = horizontal ? "x" : "y";
    var indexAxis = horizontal ? "y" : "x";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      // Drawn at once: no animation to wait for on a report page (nor in a print preview).
      animation: false,
      plugins: {
        legend: { display: round || datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = round ? context.parsed : context.parsed[valueAxis];
              if (value === null || value === undefined) { return context.dataset.label + ": –"; }
              var name = round ? context.label : context.dataset.label;
              return (name ? name + ": " : "") + value.toLocaleString() + suffix;
            }
          }
        }
      }
    };
    if (!round) {
      options.indexAxis = indexAxis;
      options.scales = {};
      options.scales[valueAxis] = {
        beginAtZero: true,
        stacked: stacked,
        ticks: { callback: function (value) { return Number(value).toLocaleString() + suffix; } }
      };
      if (max !== null && max !== "") { options.scales[valueAxis].max = Number(max); }
      options.scales[indexAxis] = { stacked: stacked, ticks: { autoSkip: !horizontal } };
    }
    merge(options, data.options || {});
    return { type: type, data: { labels: data.labels || [], datasets: datasets }, options: options };
  }

  function draw(canvas, again) {
    if (!window.Chart || !canvas.isConnected) { return; }
    var existing = window.Chart.getChart(canvas);
    // htmx may report new content more than once: draw each new canvas once.
    if (existing && !again) { return; }
    var data = readData(canvas);
    if (!data) { return; }
    if (existing) { existing.destroy(); }
    new window.Chart(canvas, build(canvas, data));
    canvas.setAttribute("data-chart-drawn", "1");
  }

  function render(root, again) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("canvas[data-chart]")) { draw(scope, again); }
    scope.querySelectorAll("canvas[data-chart]").forEach(function (canvas) { draw(canvas, again); });
  }

  function forget(root) {
    if (!window.Chart || !root || !root.querySelectorAll) { return; }
    var canvases = Array.prototype.slice.call(root.querySelectorAll("canvas[data-chart]"));
    if (root.matches && root.matches("canvas[data-chart]")) { canvases.push(root); }
    canvases.forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) { chart.destroy(); }
    });
  }

  window.SmarketingCharts = { render: render };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  } else {
    render(document);
  }
  // Content htmx swapped in brings its own canvases and data ("htmx:load" names each new element);
  // the content it replaced lets go of its charts.
  document.addEventListener("htmx:load", function (event) { render(event.detail.elt); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) { forget(event.detail.elt); });
})();
