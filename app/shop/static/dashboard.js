// Seller dashboard: the orders-per-day bar chart, drawn by uPlot from the JSON in #orders-chart[data-chart].
(function () {
  "use strict";
  var box = document.getElementById("orders-chart");
  if (!box || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(box.getAttribute("data-chart"));
  var xs = data.labels.map(function (_, i) { return i; });
  var green = "#0b7a3b";
  var height = 190;

  function label(i) { return data.labels[Math.round(i)] || ""; }

  var plot = new uPlot({
    width: box.clientWidth,
    height: height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: false, range: [-0.6, xs.length - 0.4] },
      y: { range: function (u, min, max) { return [0, Math.max(4, Math.ceil(max * 1.2))]; } }
    },
    axes: [
      { values: function (u, splits) { return splits.map(label); }, space: 52, incrs: [1, 2, 5, 7, 10, 15],
        grid: { show: false }, ticks: { show: false } },
      { size: 34, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500], grid: { stroke: "#e7ece8" }, ticks: { show: false } }
    ],
    series: [
      { label: "", value: function (u, i) { return i == null ? "" : label(i); } },
      { label: box.getAttribute("data-series-label") || "", fill: green, stroke: green, width: 0,
        paths: uPlot.paths.bars({ size: [0.7, 24] }), points: { show: false } }
    ]
  }, [xs, data.orders], box);
  box.classList.add("drawn");

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { plot.setSize({ width: box.clientWidth, height: height }); }, 150);
  });
})();
