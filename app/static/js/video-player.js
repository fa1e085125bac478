// Live video player: HLS with hls.js (native HLS where the browser has it, e.g. iPhone), the on-air /
// signal-lost / ended state pushed over the /live socket, recovery from network errors with backoff,
// and a low-data mode (an audio-only or the lowest rendition when the stream offers more than one).
(function () {
  "use strict";
  var root = document.getElementById("video-player");
  if (!root) { return; }
  var video = document.getElementById("video-live");
  var badge = document.getElementById("video-state");
  var overlay = document.getElementById("video-overlay");
  var note = document.querySelector("#video-note small");
  var lowButton = document.getElementById("video-low-data");
  var src = root.dataset.hls;
  var msg = root.dataset;
  var state = root.dataset.state;
  var hls = null;
  var nativeHls = false;
  var retries = 0;
  var retryTimer = null;
  var lowData = false;
  try { lowData = window.localStorage.getItem("cholive.lowData") === "1"; } catch (e) { lowData = false; }

  var LABELS = { waiting: msg.msgWaiting, on_air: "🔴 " + msg.msgOnAir, interrupted: msg.msgInterrupted, ended: msg.msgEnded };
  var LONG = { waiting: msg.msgWaitingLong, on_air: "", interrupted: msg.msgInterruptedLong, ended: msg.msgEndedLong };

  function say(text) { overlay.textContent = text || ""; }

  function setState(next) {
    if (!LABELS[next]) { return; }
    state = next;
    root.dataset.state = next;
    badge.dataset.state = next;
    badge.textContent = LABELS[next];
    say(LONG[next]);
    if (next === "ended") { stop(); return; }
    if (next === "on_air") { retries = 0; start(); }
  }

  function backoff() {
    // 1 s, 2 s, 4 s … up to 20 s, with jitter so a room full of phones does not retry in step.
    var delay = Math.min(20000, 1000 * Math.pow(2, retries)) * (0.75 + Math.random() / 2);
    retries += 1;
    return delay;
  }

  function later(fn) {
    if (retryTimer) { clearTimeout(retryTimer); }
    if (state === "on_air") { say(msg.msgRetry); }
    retryTimer = setTimeout(function () { retryTimer = null; if (state !== "ended") { fn(); } }, backoff());
  }

  function stop() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (hls) { hls.destroy(); hls = null; }
    if (nativeHls) { video.removeAttribute("src"); video.load(); nativeHls = false; }
  }

  function play() {
    var attempt = video.play();
    if (attempt && attempt.catch) { attempt.catch(function () { say(msg.msgTap); }); }
  }

  function applyLowData() {
    lowButton.setAttribute("aria-pressed", lowData ? "true" : "false");
    lowButton.textContent = lowData ? msg.msgLowOn : msg.msgLowOff;
    if (note) { note.textContent = ""; }
    if (!hls || !hls.levels || !hls.levels.length) { return; }
    if (hls.levels.length < 2) {
      if (lowData && note) { note.textContent = msg.msgLowSingle; }
      return;
    }
    // The ladder's audio-only rung declares only an audio codec; otherwise the cheapest rung.
    var pick = -1;
    hls.levels.forEach(function (level, i) {
      if (level.audioCodec && !level.videoCodec && pick < 0) { pick = i; }
    });
    if (pick < 0) {
      hls.levels.forEach(function (level, i) { if (pick < 0 || level.bitrate < hls.levels[pick].bitrate) { pick = i; } });
    }
    hls.currentLevel = lowData ? pick : -1;  // -1: automatic, never below minAutoBitrate (no silent audio-only)
    root.dataset.level = lowData ? String(pick) : "auto";
  }

  function start() {
    if (hls || nativeHls || state === "ended" || !src) { return; }
    if (!window.Hls || !window.Hls.isSupported()) {
      if (video.canPlayType("application/vnd.apple.mpegurl")) {
        nativeHls = true;  // Safari on iPhone: the browser does HLS and its own retries
        video.src = src;
        video.addEventListener("error", function () { nativeHls = false; video.removeAttribute("src"); later(start); }, { once: true });
        play();
        return;
      }
      say(msg.msgUnsupported);
      return;
    }
    if (state === "on_air") { say(msg.msgLoading); }
    hls = new window.Hls({
      liveSyncDurationCount: 3,
      backBufferLength: 30,
      manifestLoadingMaxRetry: 2,
      minAutoBitrate: 100000,  // automatic quality never picks the audio-only rung; low-data mode can
      levelLoadingMaxRetry: 4,
      fragLoadingMaxRetry: 4
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
      root.dataset.manifest = "loaded";
      retries = 0;
      if (state !== "interrupted") { say(""); }
      applyLowData();
      play();
    });
    hls.on(window.Hls.Events.FRAG_BUFFERED, function () {
      retries = 0;
      if (state === "on_air") { say(""); }
    });
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (!data.fatal) { return; }
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR && data.details !== window.Hls.ErrorDetails.MANIFEST_LOAD_ERROR) {
        var current = hls;
        later(function () { if (current === hls) { hls.startLoad(); } });
      } else {
        // No playlist yet (the seller has not started) or something unrecoverable: start over, later.
        hls.destroy();
        hls = null;
        later(start);
      }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  }

  lowButton.addEventListener("click", function () {
    lowData = !lowData;
    try { window.localStorage.setItem("cholive.lowData", lowData ? "1" : "0"); } catch (e) { /* private mode */ }
    applyLowData();
  });
  video.addEventListener("click", function () { if (video.muted) { video.muted = false; play(); } });
  // A seller holding the phone upright sends 9:16: the page sizes the frame for it (live-room.css).
  video.addEventListener("loadedmetadata", function () {
    if (video.videoWidth && video.videoHeight) {
      root.dataset.orientation = video.videoHeight > video.videoWidth ? "portrait" : "landscape";
    }
  });

  var listening = false;
  function listen() {
    if (listening || typeof window.io === "undefined") { return; }
    listening = true;
    // Share the live page's connection when it offers one; otherwise a second, light connection to the room.
    var socket = (window.cholive && window.cholive.liveSocket) ||
      window.io("/live", { auth: { session_id: parseInt(root.dataset.sessionId, 10) }, transports: ["websocket", "polling"] });
    socket.on("video_state", function (data) { if (data && data.state) { setState(data.state); } });
    socket.on("live_ended", function () { setState("ended"); });
    root.dataset.socket = "ready";
  }

  applyLowData();
  setState(state);
  if (state !== "ended" && state !== "on_air") { start(); }
  // The page loads socket.io after this file (both deferred): by DOMContentLoaded every deferred script has run.
  if (window.io) {
    listen();
  } else if (document.readyState === "complete") {
    listen();
  } else {
    document.addEventListener("DOMContentLoaded", listen, { once: true });
  }
})();
