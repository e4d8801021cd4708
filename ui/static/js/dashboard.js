// dashboard.js draws the charts of /stats from the report embedded in the page
// (script#stats-data). Every chart has the same figures in a table below it,
// so the page is whole without JavaScript or without sight.
(function () {
  "use strict";
  var dataEl = document.getElementById("stats-data");
  if (!dataEl || typeof Chart === "undefined") return;
  var report = JSON.parse(dataEl.textContent);
  var ink = "#1f2a44", accent = "#b3261e", soft = "#d9a441", grid = "rgba(31,42,68,0.12)";
  var palette = ["#b3261e", "#1f5f8b", "#d9a441", "#2e7d5b", "#6b4c9a", "#8a5a44", "#3f7f7f", "#999999"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = ink;
  Chart.defaults.animation = false;

  function top(groups, n) { return groups.length > n ? groups.slice(0, n) : groups; }

  function draw(canvas, table) {
    var g = table.groups, cfg;
    // Long module titles are shortened on the axis; the table has them whole.
    var labels = function (list) {
      return list.map(function (x) { return x.label.length > 34 ? x.label.slice(0, 32) + "…" : x.label; });
    };
    switch (table.group_by) {
      case "month":
        cfg = { type: "bar", data: { labels: labels(g), datasets: [
          { label: "Deliveries", data: g.map(function (x) { return x.deliveries; }), backgroundColor: accent, yAxisID: "y" },
          { label: "Participants", type: "line", data: g.map(function (x) { return x.participants; }), borderColor: ink, backgroundColor: ink, pointRadius: 0, yAxisID: "y1" }
        ] }, options: { maintainAspectRatio: false, scales: {
          y: { beginAtZero: true, title: { display: true, text: "Deliveries" }, grid: { color: grid } },
          y1: { beginAtZero: true, position: "right", title: { display: true, text: "Participants" }, grid: { drawOnChartArea: false } } } } };
        break;
      case "frequency":
        cfg = { type: "bar", data: { labels: labels(g), datasets: [
          { label: "Facilitators", data: g.map(function (x) { return x.facilitators; }), backgroundColor: palette[1] }
        ] }, options: { maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, grid: { color: grid } } } } };
        break;
      case "format":
      case "host_type":
        cfg = { type: "doughnut", data: { labels: labels(g), datasets: [
          { label: "Deliveries", data: g.map(function (x) { return x.deliveries; }), backgroundColor: palette }
        ] }, options: { maintainAspectRatio: false, plugins: { legend: { position: "right" } } } };
        break;
      case "feedback":
        g = g.filter(function (x) { return x.feedback_average !== null; });
        g = top(g, 20);
        cfg = { type: "bar", data: { labels: labels(g), datasets: [
          { label: "Average rating (1 to 5)", data: g.map(function (x) { return x.feedback_average; }), backgroundColor: soft }
        ] }, options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 5, grid: { color: grid } } } } };
        break;
      default:
        g = top(g, 15);
        cfg = { type: "bar", data: { labels: labels(g), datasets: [
          { label: "Deliveries", data: g.map(function (x) { return x.deliveries; }), backgroundColor: palette[1] }
        ] }, options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, grid: { color: grid } } } } };
    }
    if (cfg.options.indexAxis === "y") {
      canvas.parentNode.style.height = Math.max(160, 28 * cfg.data.labels.length + 40) + "px";
    }
    new Chart(canvas, cfg);
    canvas.setAttribute("data-drawn", "true");
  }

  report.tables.forEach(function (table) {
    var canvas = document.querySelector('canvas[data-chart="' + table.group_by + '"]');
    if (canvas && table.groups.length) draw(canvas, table);
  });
})();
