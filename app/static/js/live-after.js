// Before and after the live: countdown to a scheduled live, the waitlist offer after "out of stock",
// and the report's orders-per-minute chart. Texts come from data-* attributes rendered by the server.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Countdown: <p data-countdown="ISO time" data-prefix="Starts in" data-done="Starting…">
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var target = Date.parse(el.dataset.countdown);
    if (isNaN(target)) { return; }
    var out = el.querySelector(".countdown-value") || el;
    function tick() {
      var left = Math.max(0, Math.floor((target - Date.now()) / 1000));
      if (left === 0) { out.textContent = el.dataset.done || ""; return false; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      out.textContent = (d > 0 ? d + " " + (el.dataset.days || "d") + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      return true;
    }
    if (tick()) {
      var timer = setInterval(function () { if (!tick()) { clearInterval(timer); } }, 1000);
    }
  });

  // Waitlist offer: live.js dispatches "live:ack" with each comment's ack.
  var live = document.getElementById("live");
  var offer = document.getElementById("waitlist-offer");
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function joinWaitlist(code, button) {
    var body = new URLSearchParams({ code: code, quantity: "1", csrf_token: csrf() });
    button.disabled = true;
    fetch(offer.dataset.url, { method: "POST", body: body, credentials: "same-origin",
                               headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        offer.textContent = data.ok ? data.message : ((data.error && data.error.message) || offer.dataset.error);
      })
      .catch(function () { button.disabled = false; offer.textContent = offer.dataset.error; });
  }
  if (live && offer) {
    document.addEventListener("live:ack", function (event) {
      var ack = event.detail || {};
      // Only a real sell-out: "only 1 left" is answered by ordering fewer, not by queueing.
      var soldOut = (ack.errors || []).filter(function (e) {
        return e.code === "out_of_stock" && e.live_code && !(e.details && e.details.available > 0);
      });
      offer.textContent = "";
      soldOut.forEach(function (e) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "small outline";
        button.dataset.testid = "join-waitlist";
        button.textContent = offer.dataset.label.replace("{code}", e.live_code);
        button.addEventListener("click", function () { joinWaitlist(e.live_code, button); });
        offer.appendChild(button);
      });
    });
  }

  // Report chart (uPlot, vendored).
  var chart = document.getElementById("orders-chart");
  if (chart && window.uPlot) {
    var series = JSON.parse(chart.dataset.series || "{}");
    if (!series.x || !series.x.length) { chart.textContent = chart.dataset.empty; return; }
    var width = Math.max(280, chart.clientWidth);
    new window.uPlot({
      width: width, height: 200,
      scales: { x: { time: true, range: function (u, min, max) { return [min - 30, max + 30]; } }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{ values: [[60, "{HH}:{mm}", null, null, null, null, null, null, 1]] }, { size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
                   values: function (u, vals) { return vals.map(function (v) { return String(Math.round(v)); }); } }],
      series: [{}, { label: chart.dataset.label, stroke: "#0b7a3b", fill: "rgba(11,122,59,.35)", width: 1,
                     points: { show: false },
                     paths: window.uPlot.paths && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.8] }) : undefined }],
      legend: { show: false }
    }, [series.x, series.y], chart);
  }
})();
