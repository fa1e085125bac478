// Live page: join the /live room, show chat/ticker/stock, send comments with a client_id and show the ack; the
// "Chốt" buttons send the same comment a buyer would type ("chốt A12 x2 Hộp 4 quả"); a name that fits several
// products gets one button per product; news about the buyer's own order (buyer_notice) shows above the box.
// Every text from the server is inserted with textContent, never innerHTML.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || typeof io === "undefined") { return; }
  var d = root.dataset;
  var sessionId = parseInt(d.sessionId, 10);
  var lastId = parseInt(d.lastId, 10) || 0;
  var list = document.getElementById("live-messages");
  var ackBox = document.getElementById("live-ack");
  var choices = document.getElementById("live-choices");
  var notices = document.getElementById("live-notices");
  var ticker = document.getElementById("live-ticker");
  var form = document.getElementById("live-comment");
  var products = document.getElementById("live-products");

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

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function clientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function vnd(n) { return Number(n).toLocaleString("vi-VN") + " ₫"; }
  // Hold times come formatted by the server in Vietnam time; older acks only carry the ISO time: same zone here.
  function localTime(iso) {
    try {
      return new Date(iso).toLocaleString("vi-VN", { timeZone: d.tz || "Asia/Ho_Chi_Minh", hour: "2-digit",
        minute: "2-digit", day: "2-digit", month: "2-digit" });
    } catch (e) { return iso; }
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

  function scrollChat() { list.scrollTop = list.scrollHeight; }
  function addMessage(m) {
    // A replay after a reconnect may overlap what is shown, and the sender's own line may come before its frame:
    // each id once.
    if (list.querySelector('li[data-id="' + Number(m.id) + '"]')) { return; }
    lastId = Math.max(lastId, m.id);
    var li = el("li", "kind-" + m.kind + (m.seller ? " is-seller" : ""));
    li.dataset.id = m.id;
    li.appendChild(el("strong", null, m.user));
    if (m.seller) { li.classList.add("by-shop"); li.appendChild(shopBadge(d.msgSeller)); }
    li.appendChild(document.createTextNode(": " + m.text));
    list.appendChild(li);
    document.dispatchEvent(new CustomEvent("live:message", { detail: li }));  // e.g. its "report" button
    while (list.children.length > 200) { list.removeChild(list.firstChild); }
    scrollChat();
  }
  scrollChat();

  function showAck(text, ok) {
    if (!ackBox) { return; }
    ackBox.textContent = text;
    ackBox.className = ok ? "ack-ok" : "ack-error";
  }

  function describe(ack) {
    if (!ack || typeof ack !== "object") { return [d.msgError, false]; }
    if (!ack.ok) { return [(ack.error && ack.error.message) || d.msgError, false]; }
    var parts = [];
    if (ack.reserved && ack.reserved.length) {
      var lines = ack.reserved.map(function (r) {
        return r.quantity + " × " + r.code + (r.variant ? " " + r.variant : "") + " (" + vnd(r.price) + ")";
      });
      var first = ack.reserved[0];
      var until = first.hold_until_text || localTime(first.hold_until);
      parts.push(d.msgReserved + " " + lines.join(", ") + ". " + d.msgHold.replace("{time}", until));
    }
    if (ack.cancelled && ack.cancelled.length) {
      parts.push(d.msgCancelled + " " + ack.cancelled.map(function (c) { return c.quantity + " × " + c.code; }).join(", "));
    }
    (ack.errors || []).forEach(function (e) { parts.push(e.message); });
    if (!parts.length && ack.choose) { return [ack.choose.message, true]; }
    if (!parts.length && ack.hint) { return [ack.hint.message, false]; }
    return [parts.join(" ") || d.msgNoOrder, true];
  }

  // A name that fits several products: one button per product, each sending its canonical comment.
  function showChoices(ack) {
    if (!choices) { return; }
    choices.textContent = "";
    var options = ack && ack.ok && ack.choose ? ack.choose.options || [] : [];
    options.forEach(function (o) {
      var b = el("button", "outline", o.code + " · " + o.name);
      b.type = "button";
      b.dataset.text = o.text;
      b.dataset.testid = "choice-" + o.code;
      choices.appendChild(b);
    });
    choices.hidden = !options.length;
  }
  if (choices) {
    choices.addEventListener("click", function (event) {
      var b = event.target.closest("button[data-text]");
      if (b) { choices.hidden = true; sendComment(b.dataset.text); }
    });
  }

  var socket = io("/live", {
    // Reconnects replay from lastId; frames: the chat and the stock come coalesced, one `frame` per interval.
    auth: function (cb) { cb({ session_id: sessionId, last_id: lastId, frames: true }); },
    transports: ["websocket", "polling"]
  });
  // One connection per page: the video player and other widgets listen on this socket.
  window.cholive = window.cholive || {};
  window.cholive.liveSocket = socket;

  // Every order, typed or tapped, is the same `comment` event: the claim log stays the one record.
  var sending = false;
  function sendComment(text, done) {
    if (sending || !text) { return false; }
    sending = true;
    var send = form && form.querySelector("button[type=submit]");
    if (send) { send.disabled = true; }
    if (ackBox) { ackBox.textContent = d.msgSending; ackBox.className = ""; }
    socket.timeout(10000).emit("comment", { text: text, client_id: clientId() }, function (err, ack) {
      sending = false;
      if (send) { send.disabled = !socket.connected; }
      var shown = err ? [d.msgError, false] : describe(ack);
      showAck(shown[0], shown[1]);
      showChoices(err ? null : ack);
      if (!err) { document.dispatchEvent(new CustomEvent("live:ack", { detail: ack })); }  // e.g. the waitlist offer
      if (done) { done(err, ack); }
    });
    return true;
  }

  socket.on("message", addMessage);
  socket.on("message_hidden", function (data) {
    var li = list.querySelector('li[data-id="' + Number(data.id) + '"]');
    if (li) { li.remove(); }
  });
  function showStock(stock) {
    Object.keys(stock).forEach(function (code) {
      var card = products && products.querySelector('.live-product[data-code="' + CSS.escape(code) + '"]');
      if (!card) { return; }
      card.querySelector(".remaining").textContent = String(stock[code]);
      var chot = card.querySelector("button.chot");
      if (chot) { chot.disabled = stock[code] <= 0; }
    });
  }
  // An order's ticker carries the fresh stock; a cancel sends the stock alone.
  socket.on("ticker", function (t) {
    if (ticker) { ticker.textContent = "🛒 " + t.text; }
    if (t.stock) { showStock(t.stock); }
  });
  socket.on("stock", showStock);
  // Every interval at most: the new chat lines (plain chat sampled when the live is very busy), the last order's
  // ticker and the latest stock per code.
  socket.on("frame", function (f) {
    (f.messages || []).forEach(addMessage);
    if (f.ticker && ticker) { ticker.textContent = "🛒 " + f.ticker.text; }
    if (f.stock) { showStock(f.stock); }
  });
  socket.on("pinned", function (p) {
    document.querySelectorAll(".live-product").forEach(function (card) {
      var on = card.dataset.code === p.code;
      card.classList.toggle("is-pinned", on);
      var mark = card.querySelector(".pin-mark");
      if (on && !mark) { mark = el("span", "pin-mark", " 📌"); card.querySelector("header").appendChild(mark); }
      if (!on && mark) { mark.remove(); }
      if (on) { card.parentNode.insertBefore(card, card.parentNode.firstChild); card.parentNode.scrollLeft = 0; }
    });
  });
  // News about this buyer's own order (the seller cancelled or confirmed, a hold ends soon…): newest on top.
  socket.on("buyer_notice", function (n) {
    if (!notices || !n || !n.text) { return; }
    var box = el("p", "live-notice kind-" + n.kind);
    box.setAttribute("role", "status");
    box.dataset.testid = "buyer-notice";
    box.appendChild(el("span", null, n.text));
    var close = el("button", null, "×");
    close.type = "button";
    close.setAttribute("aria-label", "OK");
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
    notices.insertBefore(box, notices.firstChild);
    while (notices.children.length > 2) { notices.removeChild(notices.lastChild); }  // keep the chat in sight
  });
  socket.on("live_started", function () { window.location.reload(); });
  socket.on("live_ended", function () { if (form) { form.remove(); } window.location.reload(); });
  socket.on("disconnect", function () { showAck(d.msgOffline, false); });
  socket.on("connect", function () {
    if (ackBox && ackBox.textContent === d.msgOffline) { showAck("", true); }
    var send = form && form.querySelector("button[type=submit]");
    if (send) { send.disabled = false; }  // the form's handler is attached below, before any connect fires
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.elements.text;
      var text = input.value.trim();
      sendComment(text, function (err, ack) {
        if (!err && ack && ack.error && ack.error.code === "invalid_input") { return; }
        if (!err && ack && (ack.ok || ack.message_id)) { input.value = ""; }
      });
    });
  }

  // "Chốt" on a product: quantity and option, then the canonical comment.
  var dialog = document.getElementById("chot-dialog");
  if (dialog && products) {
    var chotForm = document.getElementById("chot-form");
    var qty = chotForm.elements.quantity;
    var optionBox = dialog.querySelector(".chot-options");
    var optionList = dialog.querySelector(".chot-option-list");
    var preview = dialog.querySelector(".chot-text");
    var current = null;

    function chosenOption() {
      var picked = optionList.querySelector("input:checked");
      return picked ? picked.value : "";
    }
    function clamp() {
      var max = parseInt(qty.max, 10) || 99;
      var n = Math.max(1, Math.min(max, parseInt(qty.value, 10) || 1));
      qty.value = String(n);
      return n;
    }
    function canonical() {
      var option = chosenOption();
      return "chốt " + current.code + " x" + clamp() + (option ? " " + option : "");
    }
    function refresh() { if (current) { preview.textContent = canonical(); } }

    products.addEventListener("click", function (event) {
      var b = event.target.closest("button.chot");
      if (!b) { return; }
      var card = b.closest(".live-product");
      var options = [];
      try { options = JSON.parse(card.dataset.options || "[]"); } catch (e) { options = []; }
      var left = parseInt(card.querySelector(".remaining").textContent, 10);
      current = { code: card.dataset.code };
      dialog.querySelector(".chot-title").textContent = card.dataset.code + " · " + card.dataset.name;
      dialog.querySelector(".chot-price").textContent = vnd(card.dataset.price);
      qty.max = String(Math.max(1, Math.min(99, parseInt(card.dataset.limit, 10) || 99, isNaN(left) ? 99 : left)));
      qty.value = "1";
      optionList.textContent = "";
      options.forEach(function (label, i) {
        var wrap = el("label");
        var radio = el("input");
        radio.type = "radio";
        radio.name = "option";
        radio.value = label;
        radio.checked = i === 0;
        wrap.appendChild(radio);
        wrap.appendChild(document.createTextNode(label));
        optionList.appendChild(wrap);
      });
      optionBox.hidden = !options.length;
      refresh();
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    });
    dialog.querySelector(".chot-minus").addEventListener("click", function () { qty.value = String(clamp() - 1); refresh(); });
    dialog.querySelector(".chot-plus").addEventListener("click", function () { qty.value = String(clamp() + 1); refresh(); });
    dialog.querySelector(".chot-close").addEventListener("click", function () { dialog.close(); });
    qty.addEventListener("input", refresh);
    optionList.addEventListener("change", refresh);
    chotForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!current) { return; }
      sendComment(canonical());
      dialog.close();
    });
  }
})();
