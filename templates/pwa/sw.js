/* The service worker: keeps the site's shell (home, the report form, styles, scripts) so
   the report form opens with no network; unsent reports are kept by drafts.js. */
"use strict";
var CACHE = "civic-shell-__VERSION__";
var SHELL = {{ shell_json|safe }};
var OFFLINE_PAGE = {{ offline_json|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // One missing file must not stop the others from being kept.
      return Promise.all(SHELL.map(function (url) {
        return cache.add(new Request(url, { credentials: "same-origin" })).catch(function () {});
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("civic-shell-") === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: the network first (fresh content), the kept copy when offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && SHELL.indexOf(url.pathname) !== -1 && !url.search) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(url.pathname).then(function (hit) {
          return hit || caches.match(OFFLINE_PAGE);
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    // Static files: the kept copy first.
    event.respondWith(
      caches.match(request).then(function (hit) { return hit || fetch(request); })
    );
  }
});
