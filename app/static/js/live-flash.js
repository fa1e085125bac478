// Flash-sale banner on the live page: listens to flash_sale / flash_sale_ended on the page's own /live socket
// (live.js opens it) by wrapping the socket.io client's event dispatch, and counts down on the client's clock.
(function () {
  "use strict";
  var box = document.getElementById("live-flash");
  if (!box) { return; }
  var d = box.dataset;
  var text = box.querySelector(".live-flash-text");
  var left = box.querySelector(".live-flash-left");
  var how = box.querySelector(".live-flash-how");
  var current = null;
  var timer = null;

  function vnd(n) { return Number(n).toLocaleString("vi-VN") + " ₫"; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? String(values[key]) : m; });
  }

  function draw() {
    if (!current) { return; }
    var seconds = Math.max(0, Math.round((current.endsAt - Date.now()) / 1000));
    left.textContent = fill(d.msgLeft, { seconds: seconds });
    if (seconds <= 0) { end(current.sale); }
  }

  function start(sale) {
    if (!sale || typeof sale !== "object") { return; }
    current = { sale: sale, endsAt: Date.now() + Number(sale.seconds_left) * 1000 };
    text.textContent = fill(d.msgFlash, { code: sale.code, name: sale.name, price: vnd(sale.price),
      regular: vnd(sale.regular_price), cap: sale.per_buyer_cap });
    how.textContent = fill(d.msgOrder, { code: sale.code });
    box.hidden = false;
    box.classList.remove("is-over");
    if (timer) { window.clearInterval(timer); }
    timer = window.setInterval(draw, 1000);
    draw();
  }

  function end(sale) {
    if (!current || (sale && current.sale.id !== sale.id)) { return; }
    if (timer) { window.clearInterval(timer); timer = null; }
    text.textContent = fill(d.msgEnded, { code: current.sale.code });
    left.textContent = "";
    how.textContent = "";
    box.classList.add("is-over");
    current = null;
  }

  var handlers = { flash_sale: start, flash_sale_ended: end };

  function hook() {
    var io = window.io;
    if (!io || !io.Socket || io.Socket.prototype.__flashHooked) { return; }
    var proto = io.Socket.prototype;
    var dispatch = proto.emitEvent;
    proto.__flashHooked = true;
    proto.emitEvent = function (args) {
      if (this.nsp === "/live" && args && handlers[args[0]]) {
        try { handlers[args[0]](args[1]); } catch (e) { /* the banner never breaks the chat */ }
      }
      return dispatch.apply(this, arguments);
    };
  }

  // socket.io.min.js loads after this partial; every deferred script has run by DOMContentLoaded, and the
  // server sends a running flash sale again on each (re)connect.
  if (window.io) { hook(); } else { document.addEventListener("DOMContentLoaded", hook); }
})();
