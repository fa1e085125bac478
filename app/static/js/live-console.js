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
  window.cholive = window.cholive || {};
  window.cholive.consoleSocket = socket;  // the warning overlay's controls (live-trust.js) send on it

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
      li.dataset.buyer = m.buyer || m.user;
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
    if (m.buyer) { li.querySelector("strong").textContent = m.buyer; li.dataset.buyer = m.buyer; }
    // The room's `message` carries the public copy (phones, addresses masked); the console's own copy the full text.
    if ("user_id" in m) { li.querySelector(".text").textContent = m.text; }
    if (m.parse && !li.querySelector(".parse")) {
      var small = el("small", "parse", parseText(m.parse));
      li.insertBefore(el("br"), li.querySelector("button"));
      li.insertBefore(small, li.querySelector("button"));
    }
    if (typeof addQuickReplies === "function") { addQuickReplies(li); }
  }

  // The queue is kept here, as lines first come first: `order` adds the lines a comment reserved and drops those it
  // released, `reservation_cancelled` drops one, `buyer_confirmed` marks a buyer's lines, and every console_tick
  // replaces it with the server's (checkouts, expiries). It is drawn grouped by buyer, each with "Confirm all".
  var lines = [];
  try { lines = JSON.parse((document.getElementById("console-queue-data") || {}).textContent || "[]"); } catch (e) { lines = []; }
  function drawQueue() {
    var groups = [], byUser = {};
    lines.forEach(function (q) {
      var key = String(q.user_id);
      if (!byUser[key]) { byUser[key] = { user_id: q.user_id, buyer: q.buyer, lines: [] }; groups.push(byUser[key]); }
      byUser[key].lines.push(q);
    });
    while (queue.firstChild) { queue.removeChild(queue.firstChild); }
    if (!groups.length) { queue.appendChild(el("p", "empty", d.msgEmptyQueue)); return; }
    groups.forEach(function (g) {
      var box = el("div", "queue-buyer");
      box.dataset.userId = g.user_id;
      var head = el("header");
      head.appendChild(el("strong", null, g.buyer));
      var open = g.lines.filter(function (q) { return !q.confirmed; }).length;
      var confirm = el("button", "confirm-buyer outline",
        open ? d.msgConfirmAll.replace("{n}", String(g.lines.length)) : "✓ " + d.msgConfirmed);
      confirm.type = "button";
      confirm.dataset.userId = g.user_id;
      confirm.disabled = !open;
      head.appendChild(confirm);
      box.appendChild(head);
      var ol = el("ol");
      g.lines.forEach(function (q) {
        var li = el("li", q.confirmed ? "is-confirmed" : null);
        li.dataset.id = q.id;
        li.appendChild(el("span", "line", q.quantity + " × " + q.code + (q.variant ? " " + q.variant : "") + " · " + vnd(q.total)));
        var b = el("button", "cancel secondary outline", d.msgCancel);
        b.type = "button";
        b.dataset.id = q.id;
        li.appendChild(b);
        ol.appendChild(li);
      });
      box.appendChild(ol);
      queue.appendChild(box);
    });
  }
  function addLines(added) {
    added.forEach(function (q) {
      var at = lines.findIndex(function (x) { return x.id === q.id; });
      if (at >= 0) { lines[at] = q; } else { lines.push(q); }
    });
    drawQueue();
  }
  function removeLines(ids) {
    lines = lines.filter(function (q) { return ids.indexOf(q.id) < 0; });
    drawQueue();
  }
  function renderQueue(fresh, upto) {
    // Lines above `upto` came in an `order` after the server read this queue: keep them, after the rest.
    var later = lines.filter(function (q) { return upto !== undefined && q.id > upto; });
    lines = fresh.slice();
    later.forEach(function (q) { if (!lines.some(function (x) { return x.id === q.id; })) { lines.push(q); } });
    drawQueue();
  }
  drawQueue();

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
  socket.on("buyer_confirmed", function (data) {
    lines.forEach(function (q) { if (data.ids.indexOf(q.id) >= 0) { q.confirmed = true; } });
    drawQueue();
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
      askCancel(parseInt(b.dataset.id, 10), b.closest("li"));
    } else if (b.classList.contains("confirm-buyer")) {
      send("confirm_buyer", { user_id: parseInt(b.dataset.userId, 10) });
    } else if (b.classList.contains("quick")) {
      quickReply(b);
    } else if (b.classList.contains("console-action")) {
      if (b.dataset.confirm === "end" && !window.confirm(d.msgEndConfirm)) { return; }
      send(b.dataset.event, {});
    }
  });

  // Cancel a held line: the seller picks why; the buyer is told with that reason.
  var cancelDialog = document.getElementById("cancel-dialog");
  var cancelling = null;
  function askCancel(id, li) {
    if (!cancelDialog || !cancelDialog.showModal) { send("cancel_reservation", { reservation_id: id }); return; }
    cancelling = id;
    var line = li && li.querySelector(".line");
    var group = li && li.closest(".queue-buyer");
    cancelDialog.querySelector(".cancel-line").textContent =
      (group ? group.querySelector("strong").textContent + ": " : "") + (line ? line.textContent : "");
    cancelDialog.showModal();
  }
  if (cancelDialog) {
    cancelDialog.querySelector(".cancel-keep").addEventListener("click", function () { cancelDialog.close(); });
    document.getElementById("cancel-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var reason = cancelDialog.querySelector("input[name=reason]:checked");
      if (cancelling !== null) {
        send("cancel_reservation", { reservation_id: cancelling, reason: reason ? reason.value : "other" });
      }
      cancelling = null;
      cancelDialog.close();
    });
  }

  // Questions get the organisation's quick replies: one tap answers "@Lan Còn hàng ạ"; a reply with "…" goes to the
  // reply box first, with "…" selected, for the seller to fill in.
  var replies = [];
  try { replies = JSON.parse(d.replies || "[]"); } catch (e) { replies = []; }
  function addQuickReplies(li) {
    if (!replies.length || !li.classList.contains("kind-question") || li.querySelector(".quick-replies")) { return; }
    var box = el("div", "quick-replies");
    replies.forEach(function (text) {
      var b = el("button", "quick outline", text);
      b.type = "button";
      b.dataset.text = text;
      box.appendChild(b);
    });
    li.appendChild(box);
  }
  list.querySelectorAll("li.kind-question").forEach(addQuickReplies);
  function quickReply(b) {
    var li = b.closest("li");
    // Called by the last word of their name, as buyers see each other ("Lan ***" → "@Lan").
    var who = ((li && li.dataset.buyer) || "").split(/\s+/).filter(function (w) { return w && w !== "***"; }).pop();
    var text = (who ? "@" + who + " " : "") + b.dataset.text;
    var input = reply && reply.querySelector("input[name=text]");
    if (!input) { return; }
    var gap = text.indexOf("…");
    if (gap < 0) {
      send("seller_reply", { text: text, client_id: "q" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) });
      return;
    }
    input.value = text;
    input.focus();
    input.setSelectionRange(gap, gap + 1);
  }
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
