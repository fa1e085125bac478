// Training report: the funnel (enrolled → first sale) as bars, drawn by uPlot from #funnel-chart[data-chart].
(function () {
  "use strict";
  var box = document.getElementById("funnel-chart");
  if (!box || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(box.getAttribute("data-chart"));
  var xs = data.labels.map(function (_, i) { return i; });
  var green = "#0b7a3b";
  var height = 240;

  // On a phone two-word labels go on two lines, or neighbours run into each other.
  var narrow = box.clientWidth < 480;
  function label(i) {
    var text = data.labels[Math.round(i)] || "";
    return narrow ? text.replace(" ", "\n") : text;
  }

  var plot = new uPlot({
    width: box.clientWidth,
    height: height,
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    legend: { show: false },
    scales: {
      x: { time: false, range: [-0.6, xs.length - 0.4] },
      y: { range: function (u, min, max) { return [0, Math.max(4, Math.ceil(max * 1.2))]; } }
    },
    axes: [
      { values: function (u, splits) { return splits.map(function (s) { return Number.isInteger(s) ? label(s) : ""; }); },
        space: 40, incrs: [1], grid: { show: false }, ticks: { show: false }, font: "11px system-ui",
        size: narrow ? 46 : 30 },
      { size: 34, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], grid: { stroke: "#e7ece8" }, ticks: { show: false } }
    ],
    series: [
      {},
      { label: "", fill: green, stroke: green, width: 0, paths: uPlot.paths.bars({ size: [0.7, 48] }),
        points: { show: false } }
    ]
  }, [xs, data.values], box);
  box.classList.add("drawn");

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { plot.setSize({ width: box.clientWidth, height: height }); }, 150);
  });
})();
