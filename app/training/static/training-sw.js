// Chợ Live training offline worker: pages under /training/ are fetched from the network first and kept;
// when the phone is offline, a lesson opened before is answered from the cache. POSTs are never cached.
// Households often share one phone: training.js empties this cache when nobody is signed in.
var CACHE = "cholive-training-static-v2";
var PAGES = "cholive-training-pages";
var OFFLINE = "/training/offline";
var READABLE = /^\/training\/(c\/[^/]+|lesson\/\d+)?$/;
var STATIC = ["/static/css/pico.css", "/static/css/app.css", "/training/static/training.css", OFFLINE];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE && n !== PAGES; }).map(function (n) {
      return caches.delete(n);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var isStatic = STATIC.indexOf(url.pathname) !== -1;
  if (isStatic) {  // stale-while-revalidate: fast from the cache, refreshed for next time
    // Pages ask for /static/...?v=<hash>: one entry per file, whatever its version.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) { cache.put(url.pathname, response.clone()); }
          return response;
        });
        return hit ? (fresh.catch(function () { return hit; }), hit) : fresh;
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/training/") !== 0 || (request.headers.get("accept") || "").indexOf("text/html") === -1) { return; }
  // Only what a trainee reads is kept: the course list, course pages and lessons (not answers, classes, reports).
  var keep = READABLE.test(url.pathname);
  event.respondWith(fetch(request).then(function (response) {
    // A redirect (to the sign-in page) is not the lesson: never keep it under the lesson's address.
    if (keep && response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    var kept = keep ? caches.open(PAGES).then(function (cache) { return cache.match(request); }) : Promise.resolve(null);
    return kept.then(function (hit) { return hit || caches.match(OFFLINE); });
  }));
});
