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
    if (m.hidden) { markHidden(li, m.hidden_label); }
    if (m.user_id && !li.querySelector(".moderate")) { addModerateButtons(li, m); }
    if (m.buyer) { li.querySelector("strong").textContent = m.buyer; }
    // The room's `message` carries the public copy (phones, addresses masked); the console's own copy the full text.
    if ("user_id" in m) { li.querySelector(".text").textContent = m.text; }
    if (m.parse && !li.querySelector(".parse")) {
      var small = el("small", "parse", parseText(m.parse));
      li.insertBefore(el("br"), li.querySelector("button"));
      li.insertBefore(small, li.querySelector("button"));
    }
  }

  // The queue is kept here: `order` adds the lines a comment reserved and drops those it released,
  // `reservation_cancelled` drops one, and every console_tick replaces it with the server's (checkouts, expiries).
  function queueItem(q) {
    var li = el("li");
    li.dataset.id = q.id;
    li.appendChild(el("span", "line", q.buyer + ": " + q.quantity + " × " + q.code + (q.variant ? " " + q.variant : "") + " · " + vnd(q.total)));
    var b = el("button", "cancel secondary outline", d.msgCancel);
    b.type = "button";
    b.dataset.id = q.id;
    li.appendChild(b);
    return li;
  }
  function showEmpty() {
    var empty = queue.querySelector("li.empty");
    if (!queue.querySelector("li[data-id]")) {
      if (!empty) { queue.appendChild(el("li", "empty", d.msgEmptyQueue)); }
    } else if (empty) {
      empty.remove();
    }
  }
  function addLines(lines) {
    lines.forEach(function (q) {
      var old = queue.querySelector('li[data-id="' + Number(q.id) + '"]');
      if (old) { old.replaceWith(queueItem(q)); } else { queue.appendChild(queueItem(q)); }
    });
    showEmpty();
  }
  function removeLines(ids) {
    ids.forEach(function (id) {
      var li = queue.querySelector('li[data-id="' + Number(id) + '"]');
      if (li) { li.remove(); }
    });
    showEmpty();
  }
  function renderQueue(lines, upto) {
    // Lines above `upto` came in an `order` after the server read this queue: keep them, after the rest.
    var later = [];
    queue.querySelectorAll("li[data-id]").forEach(function (li) {
      if (upto !== undefined && Number(li.dataset.id) > upto) { later.push(li); }
    });
    while (queue.firstChild) { queue.removeChild(queue.firstChild); }
    lines.forEach(function (q) { queue.appendChild(queueItem(q)); });
    later.forEach(function (li) { if (!queue.querySelector('li[data-id="' + Number(li.dataset.id) + '"]')) { queue.appendChild(li); } });
    showEmpty();
  }

  function renderStats(stats) {
    Object.keys(stats).forEach(function (key) {
      var node = root.querySelector('[data-stat="' + key + '"]');
      if (node && stats[key] !== null) { node.textContent = key === "revenue" ? vnd(stats[key]) : String(stats[key]); }
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
    removeLines(detail.removed || []);
    addLines(detail.lines || []);
    if (detail.stats) { renderStats(detail.stats); }
  });
  function showStock(stock) {
    Object.keys(stock).forEach(function (code) {
      var span = document.querySelector('.console-product[data-code="' + CSS.escape(code) + '"] .remaining');
      if (span) { span.textContent = String(stock[code]); }
    });
  }
  socket.on("ticker", function (t) { say("🛒 " + t.text); if (t.stock) { showStock(t.stock); } });
  socket.on("stock", showStock);
  socket.on("pinned", function (p) { markPinned(p.code); });
  socket.on("message_hidden", function (data) {
    var li = list.querySelector('li[data-id="' + Number(data.id) + '"]');
    if (!li) { return; }
    li.classList.add("is-hidden");
    var b = li.querySelector("button.hide");
    if (b) { b.replaceWith(el("small", null, "(" + d.msgHidden + ")")); }
  });
  socket.on("reservation_cancelled", function (data) { removeLines([data.id]); });
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
  // Moderation: mute/block buttons per buyer, hidden comments greyed with their reason.
  function markHidden(li, label) {
    li.classList.add("is-hidden");
    var b = li.querySelector("button.hide");
    if (b) { b.replaceWith(el("small", "hidden-label", " (" + (label || d.msgHidden) + ")")); }
  }
  function addModerateButtons(li, m) {
    if (!m.user_id || m.buyer === undefined) { return; }
    var box = el("span", "moderate");
    box.dataset.userId = m.user_id;
    var mute = el("button", "mute secondary outline", d.msgMute);
    mute.type = "button";
    mute.dataset.userId = m.user_id;
    var ban = el("button", "ban secondary outline", d.msgBan);
    ban.type = "button";
    ban.dataset.userId = m.user_id;
    box.appendChild(mute);
    box.appendChild(ban);
    li.appendChild(box);
  }
  function setModState(userId, text, muteLabel, banLabel) {
    list.querySelectorAll('.moderate[data-user-id="' + Number(userId) + '"]').forEach(function (box) {
      var state = box.querySelector(".mod-state");
      if (!state) { state = el("small", "mod-state"); box.appendChild(state); }
      state.textContent = text ? " · " + text : "";
      if (muteLabel) { box.querySelector("button.mute").textContent = muteLabel; }
      if (banLabel) { box.querySelector("button.ban").textContent = banLabel; }
      box.dataset.muted = muteLabel === d.msgUnmute ? "true" : (muteLabel ? "false" : box.dataset.muted || "false");
      box.dataset.banned = banLabel === d.msgUnban ? "true" : (banLabel ? "false" : box.dataset.banned || "false");
    });
  }
  function hhmm(iso) {
    var t = new Date(iso);
    return ("0" + t.getHours()).slice(-2) + ":" + ("0" + t.getMinutes()).slice(-2);
  }
  socket.on("user_muted", function (u) { setModState(u.user_id, d.msgMuted.replace("{time}", hhmm(u.until)), d.msgUnmute, null); });
  socket.on("user_unmuted", function (u) { setModState(u.user_id, "", d.msgMute, null); });
  socket.on("user_banned", function (u) { setModState(u.user_id, d.msgBanned, null, d.msgUnban); addBlocked(u); });
  socket.on("user_unbanned", function (u) { setModState(u.user_id, "", null, d.msgBan); removeBlocked(u.user_id); });

  // Blocked buyers of the organisation, with an Unblock button (their comments may not be on screen).
  var blocked = document.getElementById("console-blocked");
  function countBlocked() {
    var n = blocked.querySelectorAll("li").length;
    blocked.querySelector(".count").textContent = String(n);
    blocked.hidden = n === 0;
  }
  function addBlocked(u) {
    if (!blocked || blocked.querySelector('li[data-user-id="' + Number(u.user_id) + '"]')) { return; }
    var li = el("li", null, (u.name || "#" + u.user_id) + " ");
    li.dataset.userId = u.user_id;
    var b = el("button", "unblock secondary outline", d.msgUnban);
    b.type = "button";
    b.dataset.userId = u.user_id;
    li.appendChild(b);
    blocked.querySelector("ul").appendChild(li);
    countBlocked();
  }
  function removeBlocked(userId) {
    var li = blocked && blocked.querySelector('li[data-user-id="' + Number(userId) + '"]');
    if (li) { li.remove(); countBlocked(); }
  }
  if (blocked) {
    blocked.addEventListener("click", function (event) {
      var b = event.target.closest("button.unblock");
      if (b) { event.stopPropagation(); send("unban_user", { user_id: parseInt(b.dataset.userId, 10) }); }
    });
  }
  list.addEventListener("click", function (event) {
    var b = event.target.closest("button.mute, button.ban");
    if (!b) { return; }
    event.stopPropagation();
    var box = b.closest(".moderate");
    var userId = parseInt(b.dataset.userId, 10);
    if (b.classList.contains("mute")) {
      send(box.dataset.muted === "true" ? "unmute_user" : "mute_user", { user_id: userId, minutes: 10 });
    } else if (box.dataset.banned === "true") {
      send("unban_user", { user_id: userId });
    } else if (window.confirm(d.msgBanConfirm)) {
      send("ban_user", { user_id: userId });
    }
  });

  // Stats strip: pushed as "stats" (at most every 2 s) and asked for every 10 s with the queue, which also ends
  // flash sales on time.
  socket.on("stats", renderStats);
  function tick() {
    socket.timeout(8000).emit("console_tick", {}, function (err, ack) {
      if (!err && ack && ack.ok) {
        renderStats(ack.stats);
        if (ack.queue) { renderQueue(ack.queue, ack.queue_upto); }
        Object.keys(ack.muted || {}).forEach(function (uid) {
          setModState(uid, d.msgMuted.replace("{time}", hhmm(ack.muted[uid])), d.msgUnmute, null);
        });
        (ack.banned || []).forEach(function (uid) { setModState(uid, d.msgBanned, null, d.msgUnban); });
        (ack.blocked || []).forEach(addBlocked);
      }
    });
  }
  socket.on("connect", tick);
  window.setInterval(function () { if (socket.connected) { tick(); } }, 10000);

  // Flash sale: start from the form, a countdown while it runs, stop early.
  var flashForm = document.getElementById("console-flash");
  var flashRunning = document.getElementById("console-flash-running");
  var flashTimer = null;
  var flashNow = null;
  function stopCountdown(text) {
    if (flashTimer) { window.clearInterval(flashTimer); flashTimer = null; }
    flashNow = null;
    if (!flashRunning) { return; }
    flashRunning.hidden = !text;
    flashRunning.querySelector(".flash-text").textContent = text || "";
  }
  if (flashForm) {
    flashForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = flashForm.elements;
      send("start_flash_sale", { code: f.code.value, price: parseInt(f.price.value, 10),
        seconds: parseInt(f.seconds.value, 10), per_buyer_cap: parseInt(f.per_buyer_cap.value, 10) });
    });
  }
  if (flashRunning) {
    flashRunning.querySelector(".flash-stop").addEventListener("click", function () {
      if (flashNow) { send("stop_flash_sale", { code: flashNow.code }); }
    });
  }
  socket.on("flash_sale", function (sale) {
    if (!flashRunning) { return; }
    stopCountdown("");
    flashNow = sale;
    var ends = Date.now() + sale.seconds_left * 1000;
    function draw() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      flashRunning.hidden = false;
      flashRunning.querySelector(".flash-text").textContent = d.msgFlashLeft.replace("{code}", sale.code)
        .replace("{price}", vnd(sale.price)).replace("{seconds}", String(left));
      if (left <= 0) { window.clearInterval(flashTimer); flashTimer = null; tick(); }
    }
    draw();
    flashTimer = window.setInterval(draw, 1000);
    var box = document.getElementById("console-flash-box");
    if (box) { box.open = false; }
  });
  socket.on("flash_sale_ended", function (sale) {
    if (flashNow && flashNow.id !== sale.id) { return; }
    stopCountdown(d.msgFlashEnded.replace("{code}", sale.code));
  });
})();
