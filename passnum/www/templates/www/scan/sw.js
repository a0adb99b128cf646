/*
 * passnum — the scanning page's service worker (served at /scanner/sw.js, scope /scanner/).
 *
 * It keeps in the browser's cache what the scanning page needs to open and scan without
 * network: the page itself (each place's, as last loaded online), its styles and scripts, the
 * barcode decoder. Pages are asked from the network first and fall back to the copy kept;
 * static files come from the copy kept, refreshed in the background. Nothing else is
 * intercepted: the pass checks, payments and the sending of the offline queue always go to the
 * server. Signing out from a controlled page forgets the pages kept (the queue of scans waiting
 * to be sent, in IndexedDB, stays).
 */
"use strict";

var SETTINGS = {{ settings|safe }};
var CACHE = "passnum-scan-" + SETTINGS.version;
var PAGE = /^\/scanner\/\d+\/$/;

function sameOrigin(url) {
  return new URL(url, self.location.href).origin === self.location.origin;
}

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) {
      return cache.put(url, response);
    }
    return undefined;
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll(SETTINGS.precache);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("passnum-scan-") === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

/* The page, once loaded online, asks to keep itself and every static file it loaded. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) {
    return;
  }
  var urls = data.urls.filter(function (url) {
    if (typeof url !== "string" || !sameOrigin(url)) {
      return false;
    }
    var path = new URL(url, self.location.href).pathname;
    return PAGE.test(path) || path.indexOf(SETTINGS.staticPrefix) === 0;
  });
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return Promise.all(
          urls.map(function (url) {
            return keep(cache, url).catch(function () {});
          })
        );
      })
      .then(function () {
        if (event.ports && event.ports[0]) {
          event.ports[0].postMessage({ kept: urls.length });
        }
      })
  );
});

function page(request, path) {
  return fetch(request)
    .then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          return cache.put(path, copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.match(path, { ignoreVary: true }).then(function (kept) {
        return kept || Response.error();
      });
    });
}

function asset(request, path) {
  return caches.match(path, { ignoreVary: true }).then(function (kept) {
    var fresh = fetch(request)
      .then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) {
            return cache.put(path, copy);
          });
        }
        return response;
      })
      .catch(function () {
        return kept || Response.error();
      });
    return kept || fresh;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname === SETTINGS.logout) {
    event.waitUntil(
      caches.open(CACHE).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(
            requests
              .filter(function (kept) {
                return PAGE.test(new URL(kept.url).pathname);
              })
              .map(function (kept) {
                return cache.delete(kept);
              })
          );
        });
      })
    );
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(page(request, url.pathname));
  } else if (url.pathname.indexOf(SETTINGS.staticPrefix) === 0) {
    event.respondWith(asset(request, url.pathname));
  }
});
