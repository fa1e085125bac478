// A product page keeps its stock line current while it stays open: the page itself may come from the page cache,
// which keeps it through stock moves for a couple of seconds (app/shop/caching.py). One small JSON request every
// 15 s while the page is visible, and when it becomes visible again; the server answers it from memory.
(function () {
  "use strict";
  var line = document.querySelector("[data-stock-url]");
  if (!line || !window.fetch) return;
  var url = line.getAttribute("data-stock-url");

  function apply(data) {
    line.textContent = data.line;
    Object.keys(data.variants).forEach(function (id) {
      var count = document.querySelector('[data-variant-stock="' + id + '"]');
      if (count) count.textContent = data.variants[id].text;
      var option = document.querySelector('[data-testid="add-to-cart"] option[value="' + id + '"]');
      if (option) option.disabled = data.variants[id].available <= 0;
    });
    var button = document.querySelector('[data-testid="add-to-cart"] button[type="submit"]');
    if (button) button.disabled = !data.buyable;
  }

  function refresh() {
    if (document.visibilityState !== "visible") return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) apply(data); })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  document.addEventListener("visibilitychange", refresh);
  window.setInterval(refresh, 15000);
})();
