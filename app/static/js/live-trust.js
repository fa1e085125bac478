// Live and replay pages: the "Báo cáo" form (sent with fetch, the page stays; without script it posts as a form),
// a ⚑ button on each chat line that reports that line, the host's warning over the video, and a live the platform
// stopped (its video, chat and products hidden at once; the reload that follows shows the notice).
// Texts go in with textContent, never innerHTML.
(function () {
  "use strict";
  var form = document.getElementById("live-report-form");
  var box = document.getElementById("live-report");
  var list = document.getElementById("live-messages");
  var replay = document.getElementById("replay-video");

  function flagButton(li) {
    if (!form || !li || li.querySelector(".report-line") || li.classList.contains("by-shop")) { return; }
    var b = document.createElement("button");
    b.type = "button";
    b.className = "report-line";
    b.textContent = "⚑";
    b.setAttribute("aria-label", box.dataset.lineLabel || "Report");
    b.dataset.testid = "report-line-" + li.dataset.id;
    li.appendChild(b);
  }

  if (form && box) {
    box.dataset.lineLabel = form.dataset.lineLabel;
    var status = form.querySelector(".live-report-status");
    var quote = form.querySelector(".live-report-quote");
    if (list) {
      Array.prototype.forEach.call(list.children, flagButton);
      document.addEventListener("live:message", function (e) { flagButton(e.detail); });
      list.addEventListener("click", function (e) {
        var b = e.target.closest("button.report-line");
        if (!b) { return; }
        var li = b.closest("li");
        form.elements.message_id.value = li.dataset.id;
        var text = li.cloneNode(true);
        var own = text.querySelector(".report-line");
        if (own) { own.remove(); }
        quote.querySelector("q").textContent = text.textContent.trim();
        quote.hidden = false;
        box.open = true;
        box.scrollIntoView({ block: "nearest" });
        var first = form.querySelector("input[name=reason]");
        if (first) { first.focus(); }
      });
    }
    box.addEventListener("toggle", function () {
      if (!box.open) { form.elements.message_id.value = ""; quote.hidden = true; }
    });
    form.addEventListener("submit", function (e) {
      if (!window.fetch || !window.FormData) { return; }
      e.preventDefault();
      if (replay) { form.elements.replay_seconds.value = String(Math.floor(replay.currentTime || 0)); }
      var send = form.querySelector("button[type=submit]");
      send.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          send.disabled = false;
          status.textContent = data.ok ? data.message : (data.error && data.error.message) || form.dataset.msgError;
          status.className = "live-report-status " + (data.ok ? "ack-ok" : "ack-error");
          if (data.ok) { form.reset(); form.elements.message_id.value = ""; quote.hidden = true; }
        })
        .catch(function () { send.disabled = false; status.textContent = form.dataset.msgError; });
    });
  }

  // The socket is live.js's (one connection per page); it is there once live.js has run.
  var socket = window.cholive && window.cholive.liveSocket;
  if (!socket) { return; }
  var overlay = document.getElementById("live-warning");
  socket.on("warning", function (w) {
    if (!overlay) { return; }
    if (w && !w.text) { w = null; }  // {"text": null}: the host removed the warning
    overlay.hidden = !w;
    // A preset in this page's language (the server's `text` is in the host's).
    var text = w ? ({ adults_only: overlay.dataset.adultsOnly, under_3: overlay.dataset.underThree }[w.preset] || w.text) : "";
    overlay.querySelector(".live-warning-text").textContent = w ? text + (w.code ? " · " + w.code + " " + (w.name || "") : "") : "";
  });
  socket.on("live_stopped", function () {
    document.querySelectorAll(".live-stage, .live-chat, .live-shelf, .live-composer").forEach(function (part) {
      part.hidden = true;
    });
  });
})();

// Console: the host shows or removes a warning over the video (the `show_warning` / `clear_warning` events).
(function () {
  "use strict";
  var form = document.getElementById("warning-form");
  var socket = window.cholive && window.cholive.consoleSocket;
  if (!form || !socket) { return; }
  var status = document.getElementById("warning-status");
  function answer(err, ack) {
    if (err || !ack) { status.textContent = "✗"; return; }
    if (!ack.ok) { status.textContent = (ack.error && ack.error.message) || "✗"; }  // shown: the `warning` event says so
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    socket.timeout(10000).emit("show_warning", { preset: form.elements.preset.value, text: form.elements.text.value,
                                                 code: form.elements.code.value }, answer);
  });
  document.getElementById("warning-clear").addEventListener("click", function () {
    socket.timeout(10000).emit("clear_warning", {}, answer);
  });
  socket.on("warning", function (w) { if (w && w.text) { status.textContent = "⚠️ " + w.text; } else { status.textContent = ""; } });
})();
