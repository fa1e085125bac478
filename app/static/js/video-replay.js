// Replay page: play the recording and show the chat and the order ticker at the moment they happened.
// Texts go in with textContent, never innerHTML.
(function () {
  "use strict";
  var video = document.getElementById("replay-video");
  if (!video) { return; }
  var chat = document.getElementById("replay-chat");
  var ticker = document.getElementById("replay-ticker");
  var warning = document.getElementById("replay-warning");
  var timeline = { chat: [], ticker: [] };
  var shownChat = 0;
  var shownTicker = 0;

  function line(item) {
    var li = document.createElement("li");
    li.className = "kind-" + item.kind;
    var who = document.createElement("strong");
    who.textContent = item.user;
    li.appendChild(who);
    if (item.seller) {  // a line written by the shop: its name and a "Seller" badge
      var badge = document.createElement("small");
      badge.className = "badge-shop";
      badge.textContent = chat.dataset.msgSeller;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge);
    }
    li.appendChild(document.createTextNode(": " + item.text));
    return li;
  }

  function render() {
    var now = video.currentTime;
    // Seeking back: start over from the beginning of the lists.
    if ((shownChat && timeline.chat[shownChat - 1].at > now) || (shownTicker && timeline.ticker[shownTicker - 1].at > now)) {
      chat.textContent = "";
      ticker.textContent = "";
      shownChat = 0;
      shownTicker = 0;
    }
    while (shownChat < timeline.chat.length && timeline.chat[shownChat].at <= now) {
      chat.appendChild(line(timeline.chat[shownChat]));
      shownChat += 1;
    }
    while (shownTicker < timeline.ticker.length && timeline.ticker[shownTicker].at <= now) {
      var t = timeline.ticker[shownTicker];
      ticker.textContent = "🛒 " + t.user + ": " + t.quantity + " × " + t.name;
      shownTicker += 1;
    }
    // The host's warning over the video, shown from its moment until it was removed.
    var on = null;
    (timeline.warnings || []).forEach(function (w) { if (w.at <= now && (w.until === null || w.until > now)) { on = w; } });
    if (warning) {
      warning.hidden = !on;
      warning.querySelector(".live-warning-text").textContent = on ? on.text : "";
    }
    while (chat.children.length > 200) { chat.removeChild(chat.firstChild); }
    chat.scrollTop = chat.scrollHeight;
    chat.dataset.shown = String(shownChat);
  }

  fetch(video.dataset.timeline, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { chat: [], ticker: [] }; })
    .then(function (data) {
      timeline = { chat: data.chat || [], ticker: data.ticker || [], warnings: data.warnings || [] };
      video.addEventListener("timeupdate", render);
      video.addEventListener("seeked", render);
      render();
    })
    .catch(function () { /* the video still plays without its chat */ });
})();
