// Chợ Live service worker: shows a pushed notification and opens its page (an order) when it is tapped.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data && event.data.text() }; }
  var url = typeof data.url === "string" ? data.url : "/";
  event.waitUntil(self.registration.showNotification(data.title || "Chợ Live", {
    body: data.body || "", tag: data.tag, icon: "/static/img/icon.svg", data: { url: url } }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) { target = new URL("/", self.location.origin); }  // only our pages
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === target.href && "focus" in list[i]) { return list[i].focus(); }
    }
    return self.clients.openWindow(target.href);
  }));
});
