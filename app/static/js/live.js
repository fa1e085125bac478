// Live page: join the /live room, show chat/ticker/stock, send comments with a client_id and show the ack.
// Every text from the server is inserted with textContent, never innerHTML.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || typeof io === "undefined") { return; }
  var sessionId = parseInt(root.dataset.sessionId, 10);
  var lastId = parseInt(root.dataset.lastId, 10) || 0;
  var list = document.getElementById("live-messages");
  var ackBox = document.getElementById("live-ack");
  var ticker = document.getElementById("live-ticker");
  var form = document.getElementById("live-comment");

  var video = document.getElementById("live-video");
  if (video && video.dataset.hls) {
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(video.dataset.hls);
      hls.attachMedia(video);
    } else {
      video.src = video.dataset.hls;
    }
  }

  function clientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function shopBadge(label) {  // a line written by the shop: its name and a "Seller" badge
    var badge = document.createElement("small");
    badge.className = "badge-shop";
    badge.textContent = label;
    var span = document.createDocumentFragment();
    span.appendChild(document.createTextNode(" "));
    span.appendChild(badge);
    return span;
  }

  function addMessage(m) {
    if (m.id <= lastId) { return; }  // replay after a reconnect may overlap what is shown: each id once
    lastId = m.id;
    var li = document.createElement("li");
    li.dataset.id = m.id;
    li.className = "kind-" + m.kind;
    var who = document.createElement("strong");
    who.textContent = m.user;
    li.appendChild(who);
    if (m.seller) { li.classList.add("by-shop"); li.appendChild(shopBadge(root.dataset.msgSeller)); }
    li.appendChild(document.createTextNode(": " + m.text));
    list.appendChild(li);
    while (list.children.length > 200) { list.removeChild(list.firstChild); }
    list.scrollTop = list.scrollHeight;
  }

  function showAck(text, ok) {
    if (!ackBox) { return; }
    ackBox.textContent = text;
    ackBox.className = ok ? "ack-ok" : "ack-error";
  }

  function describe(ack) {
    if (!ack || typeof ack !== "object") { return [root.dataset.msgError, false]; }
    if (!ack.ok) { return [(ack.error && ack.error.message) || root.dataset.msgError, false]; }
    var parts = [];
    if (ack.reserved && ack.reserved.length) {
      var lines = ack.reserved.map(function (r) {
        return r.quantity + " × " + r.code + (r.variant ? " " + r.variant : "") + " (" +
          Number(r.price).toLocaleString("vi-VN") + " ₫)";
      });
      var until = new Date(ack.reserved[0].hold_until).toLocaleString();
      parts.push(root.dataset.msgReserved + " " + lines.join(", ") + ". " + root.dataset.msgHold.replace("{time}", until));
    }
    if (ack.cancelled && ack.cancelled.length) {
      parts.push(root.dataset.msgCancelled + " " + ack.cancelled.map(function (c) { return c.quantity + " × " + c.code; }).join(", "));
    }
    (ack.errors || []).forEach(function (e) { parts.push(e.message); });
    return [parts.join(" ") || root.dataset.msgNoOrder, true];
  }

  var socket = io("/live", {
    auth: function (cb) { cb({ session_id: sessionId, last_id: lastId }); },  // reconnects replay from lastId
    transports: ["websocket", "polling"]
  });
  // One connection per page: the video player and other widgets listen on this socket.
  window.cholive = window.cholive || {};
  window.cholive.liveSocket = socket;
  socket.on("message", addMessage);
  socket.on("message_hidden", function (data) {
    var li = list.querySelector('li[data-id="' + Number(data.id) + '"]');
    if (li) { li.remove(); }
  });
  function showStock(stock) {
    Object.keys(stock).forEach(function (code) {
      var card = document.querySelector('.live-product[data-code="' + CSS.escape(code) + '"] .remaining');
      if (card) { card.textContent = String(stock[code]); }
    });
  }
  // An order's ticker carries the fresh stock; a cancel sends the stock alone.
  socket.on("ticker", function (t) {
    if (ticker) { ticker.textContent = "🛒 " + t.text; }
    if (t.stock) { showStock(t.stock); }
  });
  socket.on("stock", showStock);
  socket.on("pinned", function (p) {
    document.querySelectorAll(".live-product").forEach(function (card) {
      var on = card.dataset.code === p.code;
      card.classList.toggle("is-pinned", on);
      var mark = card.querySelector(".pin-mark");
      if (on && !mark) { mark = document.createElement("span"); mark.className = "pin-mark"; mark.textContent = " 📌"; card.querySelector("header").appendChild(mark); }
      if (!on && mark) { mark.remove(); }
      if (on) { card.parentNode.insertBefore(card, card.parentNode.firstChild); }
    });
  });
  socket.on("live_ended", function () { if (form) { form.remove(); } });
  socket.on("disconnect", function () { showAck(root.dataset.msgOffline, false); });
  socket.on("connect", function () {
    if (ackBox && ackBox.textContent === root.dataset.msgOffline) { showAck("", true); }
    var send = form && form.querySelector("button[type=submit]");
    if (send) { send.disabled = false; }  // the form's handler is attached below, before any connect fires
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.elements.text;
      var text = input.value.trim();
      if (!text) { return; }
      var payload = { text: text, client_id: clientId() };
      var button = form.querySelector("button");
      button.disabled = true;
      socket.timeout(10000).emit("comment", payload, function (err, ack) {
        button.disabled = false;
        var shown = err ? [root.dataset.msgError, false] : describe(ack);
        showAck(shown[0], shown[1]);
        if (!err) { document.dispatchEvent(new CustomEvent("live:ack", { detail: ack })); }  // e.g. the waitlist offer
        if (!err && ack && ack.error && ack.error.code === "invalid_input") { return; }
        if (!err && ack && (ack.ok || ack.message_id)) { input.value = ""; }
      });
    });
  }
})();
