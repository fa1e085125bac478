// Chợ Live training offline worker: pages under /training/ are fetched from the network first and kept;
// when the phone is offline, a lesson opened before is answered from the cache. POSTs are never cached.
var CACHE = "cholive-training-v1";
var OFFLINE = "/training/offline";
var STATIC = ["/static/vendor/pico/pico.min.css", "/static/css/app.css", "/training/static/training.css", OFFLINE];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var isStatic = STATIC.indexOf(url.pathname) !== -1;
  if (isStatic) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (url.pathname.indexOf("/training/") !== 0 || (request.headers.get("accept") || "").indexOf("text/html") === -1) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || caches.match(OFFLINE); });
  }));
});
