// Web push: register the service worker (/sw.js) and send this browser's PushSubscription to the server.
(function () {
  "use strict";
  var box = document.getElementById("push");
  var button = document.getElementById("push-subscribe");
  if (!box || !button) { return; }
  var status = document.getElementById("push-status");
  var say = function (text) { if (status) { status.textContent = text; } };
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say(button.dataset.unsupported || "");
    return;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("permission " + permission); }
      return navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.vapidKey) });
      });
    }).then(function (subscription) {
      return fetch(box.dataset.subscribeUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(subscription.toJSON()) });
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      say("✓");
      window.location.reload();
    }).catch(function (error) {
      button.disabled = false;
      say(String(error && error.message || error));
    });
  });
})();
