// Live review: the timeline follows the replay (the line being played is marked), a time jumps the video there,
// and the trainer's note takes the moment on screen. Without JavaScript the page works with typed times.
(function () {
  "use strict";
  var list = document.getElementById("review-timeline");
  if (!list) { return; }
  var video = document.getElementById("review-video");
  var at = document.getElementById("note-at");
  var text = document.getElementById("note-text");
  var now = document.getElementById("note-now");
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-at]"));
  var current = null;
  var touched = 0;

  function moment(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (m < 10 ? "0" : "") + m, rr = (r < 10 ? "0" : "") + r;
    return h ? h + ":" + mm + ":" + rr : mm + ":" + rr;
  }

  function follow() {
    var t = video.currentTime, found = null;
    for (var i = 0; i < items.length && parseFloat(items[i].dataset.at) <= t; i++) { found = items[i]; }
    if (found === current) { return; }
    if (current) { current.classList.remove("now"); }
    current = found;
    if (!current) { return; }
    current.classList.add("now");
    // Keep the played line in view, unless the trainer scrolled the list in the last few seconds.
    if (Date.now() - touched > 4000) { list.scrollTop = current.offsetTop - list.offsetTop - list.clientHeight / 3; }
  }

  list.addEventListener("scroll", function () { touched = Date.now(); }, { passive: true });
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.t");
    if (!button) { return; }
    var seconds = parseFloat(button.dataset.at);
    if (at) { at.value = moment(seconds); }
    if (video) { video.currentTime = seconds; }
  });

  if (video) {
    var frame = video.parentNode, header = document.querySelector(".site-header");
    var headerHeight = header ? header.offsetHeight : 0;
    frame.style.top = headerHeight + "px";
    frame.classList.add("follow");
    // Anchors (#note-12 after saving a note, #rubric) land below the header and the replay, not under them.
    document.documentElement.style.scrollPaddingTop = (headerHeight + frame.offsetHeight) + "px";
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) { target.scrollIntoView(); }
    video.addEventListener("timeupdate", follow);
    video.addEventListener("seeked", follow);
    if (now && at) {
      now.hidden = false;
      now.addEventListener("click", function () { at.value = moment(video.currentTime); text.focus(); });
    }
    if (text && at) {
      // Starting a note pauses the replay and takes its moment, so the note lands where the trainer saw it.
      text.addEventListener("focus", function () {
        if (!video.paused) { video.pause(); }
        if (!at.value) { at.value = moment(video.currentTime); }
      });
    }
  }
})();
