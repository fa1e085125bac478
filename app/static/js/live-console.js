// Seller console: joins the same /live room (and the sellers' room), shows chat with order parses, the held
// queue and stats; pin, hide, cancel, start and end go out as socket events. textContent only, never innerHTML.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || typeof io === "undefined") { return; }
  var sessionId = parseInt(root.dataset.sessionId, 10);
  var lastId = parseInt(root.dataset.lastId, 10) || 0;
  var list = document.getElementById("console-messages");
  var queue = document.getElementById("console-queue");
  var status = document.getElementById("console-status");
  var d = root.dataset;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function vnd(n) { return Number(n).toLocaleString("vi-VN") + " ₫"; }
  function say(text) { status.textContent = text || ""; }

  var socket = io("/live", {
    auth: function (cb) { cb({ session_id: sessionId, last_id: lastId }); },
    transports: ["websocket", "polling"]
  });

  function send(event, payload, done) {
    socket.timeout(10000).emit(event, payload, function (err, ack) {
      if (err || !ack) { say(d.msgError); return; }
      if (!ack.ok) { say((ack.error && ack.error.message) || d.msgError); return; }
      say("");
      if (done) { done(ack); }
    });
  }

  function parseText(parse) {
    var parts = [];
    (parse.reserved || []).forEach(function (r) { parts.push(r.quantity + " × " + r.code + (r.variant ? " " + r.variant : "") + " ✓"); });
    (parse.cancelled || []).forEach(function (c) { parts.push("✗ " + c.quantity + " × " + c.code); });
    (parse.errors || []).forEach(function (e) { parts.push("⚠ " + (e.live_code || "") + " " + e.code); });
    return "→ " + parts.join(" ");
  }

  function hideButton(id) {
    var b = el("button", "hide secondary outline", d.msgHide);
    b.type = "button";
    b.dataset.id = id;
    return b;
  }

  function upsertMessage(m) {
    var li = list.querySelector('li[data-id="' + Number(m.id) + '"]');
    if (!li) {
      if (m.id > lastId) { lastId = m.id; }
      li = el("li");
      li.dataset.id = m.id;
      li.appendChild(el("strong", null, m.buyer || m.user));
      li.appendChild(document.createTextNode(": "));
      li.appendChild(el("span", "text", m.text));
      li.appendChild(hideButton(m.id));
      list.appendChild(li);
      list.scrollTop = list.scrollHeight;
    }
    li.className = "kind-" + m.kind;
    if (m.buyer) { li.querySelector("strong").textContent = m.buyer; }
    if (m.parse && !li.querySelector(".parse")) {
      var small = el("small", "parse", parseText(m.parse));
      li.insertBefore(el("br"), li.querySelector("button"));
      li.insertBefore(small, li.querySelector("button"));
    }
  }

  function renderQueue(lines) {
    while (queue.firstChild) { queue.removeChild(queue.firstChild); }
    if (!lines.length) { queue.appendChild(el("li", "empty", d.msgEmptyQueue)); return; }
    lines.forEach(function (q) {
      var li = el("li");
      li.dataset.id = q.id;
      li.appendChild(el("span", "line", q.buyer + ": " + q.quantity + " × " + q.code + (q.variant ? " " + q.variant : "") + " · " + vnd(q.total)));
      var b = el("button", "cancel secondary outline", d.msgCancel);
      b.type = "button";
      b.dataset.id = q.id;
      li.appendChild(b);
      queue.appendChild(li);
    });
  }

  function renderStats(stats) {
    Object.keys(stats).forEach(function (key) {
      var node = root.querySelector('[data-stat="' + key + '"]');
      if (node) { node.textContent = key === "revenue" ? vnd(stats[key]) : String(stats[key]); }
    });
  }

  function markPinned(code) {
    document.querySelectorAll(".console-product").forEach(function (li) {
      var on = li.dataset.code === code;
      li.dataset.pinned = on ? "true" : "false";
      li.querySelector("button.pin").textContent = on ? d.msgUnpin : d.msgPin;
    });
  }

  socket.on("message", function (m) { if (m.id > lastId || !list.querySelector('li[data-id="' + Number(m.id) + '"]')) { upsertMessage(m); } });
  socket.on("order", function (detail) {
    upsertMessage(detail.message);
    renderQueue(detail.queue || []);
    renderStats(detail.stats || {});
  });
  socket.on("ticker", function (t) { say("🛒 " + t.text); });
  socket.on("stock", function (stock) {
    Object.keys(stock).forEach(function (code) {
      var span = document.querySelector('.console-product[data-code="' + CSS.escape(code) + '"] .remaining');
      if (span) { span.textContent = String(stock[code]); }
    });
  });
  socket.on("pinned", function (p) { markPinned(p.code); });
  socket.on("message_hidden", function (data) {
    var li = list.querySelector('li[data-id="' + Number(data.id) + '"]');
    if (!li) { return; }
    li.classList.add("is-hidden");
    var b = li.querySelector("button.hide");
    if (b) { b.replaceWith(el("small", null, "(" + d.msgHidden + ")")); }
  });
  socket.on("reservation_cancelled", function (data) {
    var li = queue.querySelector('li[data-id="' + Number(data.id) + '"]');
    if (li) { li.remove(); }
    if (!queue.children.length) { renderQueue([]); }
  });
  socket.on("live_started", function () { window.location.reload(); });
  socket.on("live_ended", function () { window.location.reload(); });
  socket.on("disconnect", function () { say(d.msgOffline); });
  socket.on("connect", function () { if (status.textContent === d.msgOffline) { say(""); } });

  var reply = document.getElementById("console-reply");
  if (reply) {
    reply.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = reply.querySelector("input[name=text]");
      var text = input.value.trim();
      if (!text) { return; }
      var clientId = "r" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      send("seller_reply", { text: text, client_id: clientId }, function () { input.value = ""; });
    });
  }

  var slow = document.getElementById("console-slow");
  if (slow) {
    slow.addEventListener("change", function () { send("set_slow_mode", { seconds: parseInt(slow.value, 10) }); });
  }
  socket.on("slow_mode", function (data) { if (slow) { slow.value = String(data.seconds); } });

  root.addEventListener("click", function (event) {
    var b = event.target.closest("button");
    if (!b || !root.contains(b)) { return; }
    if (b.classList.contains("pin")) {
      var li = b.closest(".console-product");
      send("pin_product", { code: b.dataset.code, pinned: li.dataset.pinned !== "true" });
    } else if (b.classList.contains("hide")) {
      send("hide_message", { message_id: parseInt(b.dataset.id, 10) });
    } else if (b.classList.contains("cancel")) {
      send("cancel_reservation", { reservation_id: parseInt(b.dataset.id, 10) });
    } else if (b.classList.contains("console-action")) {
      send(b.dataset.event, {});
    }
  });
})();
