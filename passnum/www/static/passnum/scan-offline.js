/*
 * passnum — the scanning page without network (docs/offline.md).
 *
 * Loaded before scan.js, it registers the service worker (/scanner/sw.js) that keeps the page
 * and its files in the browser's cache, and offers scan.js `window.passnumOffline`: while the
 * browser is offline, every pass scan.js reads goes to `take` instead of the live check.
 *
 * Offline, a pass is accepted only from the QR code of a printed pass, SITE_URL/p/<code>#<face
 * value in cents>.<last day YYYYMMDD>.<signature>, whose Ed25519 signature over
 * "passnum-pass-v1|<code>|<face>|<day>" holds with the instance's public key (given by the
 * page, as a JWK) and whose last day is not past, within the place's allowance for the day.
 * It is queued in IndexedDB with a key of its own, the service chosen and the device's time,
 * one pass per entry. Back online (the `online` event, or the button), the queue is sent to
 * the server, which redeems each pass once whatever the number of sendings, and answers per
 * pass; the answers stay listed until cleared.
 */
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var configElement = document.getElementById("scan-config");
  if (!form || !configElement) {
    return;
  }
  var pageConfig = JSON.parse(configElement.textContent);
  var config = pageConfig.offline;
  if (!config) {
    return;
  }
  var texts = config.texts;
  var service = form.elements.service;
  var section = document.getElementById("offline");
  var banner = document.getElementById("offline-banner");
  var bannerText = document.getElementById("offline-banner-text");
  var conflictsBox = document.getElementById("offline-conflicts");
  var message = document.getElementById("offline-message");
  var countLine = document.getElementById("offline-count");
  var remainingLine = document.getElementById("offline-remaining");
  var tbody = document.querySelector("#offline-list tbody");
  var syncButton = document.getElementById("offline-sync");
  var clearButton = document.getElementById("offline-clear");
  var readyLine = document.getElementById("offline-ready");
  var statusLine = document.getElementById("scan-status");
  var euros = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: "EUR"
  });
  var SIGNED = /\/p\/([^/?#\s]+)\/?(?:\?[^#\s]*)?#(\d{1,8})\.(\d{8})\.([A-Za-z0-9_-]{80,90})\s*$/;
  var STATE_KEY = "passnum-offline-state-" + config.place;
  var BATCH = 100; // the server's limit per sending
  var KEEP_DAYS = 7; // answers older than that are dropped from the list
  var entries = [];
  var taking = {};
  var syncing = false;

  function format(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return params[name] !== undefined ? params[name] : match;
    });
  }

  function say(text) {
    statusLine.textContent = text;
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function localDay(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function grouped(code) {
    return (code.match(/.{1,5}/g) || [code]).join("-");
  }

  function isOffline() {
    return navigator.onLine === false;
  }

  // --- The queue (IndexedDB) --------------------------------------------------------------

  var dbReady = null;

  function database() {
    if (!dbReady) {
      dbReady = new Promise(function (resolve, reject) {
        var request = indexedDB.open("passnum-offline", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("scans", { keyPath: "key" }).createIndex("place", "place");
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    }
    return dbReady;
  }

  function write(work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction("scans", "readwrite");
        work(transaction.objectStore("scans"));
        transaction.oncomplete = function () {
          resolve();
        };
        transaction.onerror = function () {
          reject(transaction.error);
        };
      });
    });
  }

  function load() {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db
          .transaction("scans", "readonly")
          .objectStore("scans")
          .index("place")
          .getAll(config.place);
        request.onsuccess = function () {
          entries = request.result.sort(function (a, b) {
            return a.scanned_at < b.scanned_at ? -1 : 1;
          });
          resolve(entries);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    });
  }

  function pending() {
    return entries.filter(function (entry) {
      return entry.state === "pending";
    });
  }

  // --- The allowance ----------------------------------------------------------------------

  /* The freshest of what the page was rendered with and what the server said since. */
  function state() {
    var kept = null;
    try {
      kept = JSON.parse(localStorage.getItem(STATE_KEY));
    } catch (error) {
      kept = null;
    }
    return kept && kept.asOf > config.asOf ? kept : config;
  }

  function remember(fresh) {
    var kept = { allowance: fresh.allowance, used: fresh.used, day: fresh.day, asOf: fresh.asOf };
    try {
      localStorage.setItem(STATE_KEY, JSON.stringify(kept));
    } catch (error) {
      // private browsing without storage: the page's own figures stay
    }
  }

  function remaining() {
    var today = localDay(new Date());
    var known = state();
    var used = known.day === today ? known.used : 0;
    var queued = pending().filter(function (entry) {
      return entry.day === today;
    }).length;
    return Math.max(0, known.allowance - used - queued);
  }

  // --- Showing it -------------------------------------------------------------------------

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function badge(entry) {
    var element = document.createElement("p");
    var kind = { pending: "info", redeemed: "success" }[entry.state] || "error";
    element.className = "fr-badge fr-badge--sm fr-badge--" + kind;
    element.textContent =
      entry.state === "pending" ? texts.waiting : texts.outcomes[entry.state] || entry.state;
    return element;
  }

  function render() {
    var offline = isOffline();
    form.classList.toggle("passnum-offline", offline);
    banner.hidden = !offline;
    bannerText.textContent = texts.offline;
    section.hidden = !offline && entries.length === 0;
    tbody.replaceChildren();
    entries.forEach(function (entry) {
      var row = document.createElement("tr");
      row.setAttribute("data-code", entry.codeKey);
      cell(row, entry.code, "passnum-code");
      cell(row, euros.format(entry.face / 100));
      cell(row, entry.lastDay.split("-").reverse().join("/"));
      cell(row, entry.serviceLabel);
      cell(row, new Date(entry.scanned_at).toLocaleString(document.documentElement.lang || "fr"));
      var last = cell(row, "");
      last.appendChild(badge(entry));
      if (entry.message) {
        var detail = document.createElement("p");
        detail.className = "fr-text--sm fr-mb-0";
        detail.textContent = entry.message;
        last.appendChild(detail);
      }
      tbody.appendChild(row);
    });
    var waiting = pending();
    var value = waiting.reduce(function (total, entry) {
      return total + entry.face;
    }, 0);
    countLine.textContent = waiting.length
      ? format(texts.pending, { count: waiting.length, value: euros.format(value / 100) })
      : texts.none;
    remainingLine.textContent = format(texts.remaining, { count: remaining() });
    syncButton.hidden = offline || waiting.length === 0;
    clearButton.hidden = entries.length === waiting.length;
  }

  function refresh() {
    return load().then(render);
  }

  // --- Checking a signed QR code ----------------------------------------------------------

  var keyReady = null;

  function publicKey() {
    if (!keyReady) {
      keyReady = crypto.subtle.importKey("jwk", config.key, { name: "Ed25519" }, false, [
        "verify"
      ]);
    }
    return keyReady;
  }

  function bytes(base64url) {
    var text = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(text + "===".slice((text.length + 3) % 4));
    var result = new Uint8Array(binary.length);
    for (var index = 0; index < binary.length; index += 1) {
      result[index] = binary.charCodeAt(index);
    }
    return result;
  }

  function verify(code, face, day, signature) {
    var signed = new TextEncoder().encode(["passnum-pass-v1", code, face, day].join("|"));
    return publicKey().then(function (key) {
      return crypto.subtle.verify({ name: "Ed25519" }, key, bytes(signature), signed);
    });
  }

  function take(raw, quiet) {
    var text = String(raw).trim();
    var offer = pageConfig.offers[service.value];
    if (!offer) {
      say(texts.noService);
      return;
    }
    var found = SIGNED.exec(text);
    if (!found) {
      say(texts.unsigned);
      return;
    }
    var code = found[1].replace(/[\s\-._]/g, "").toUpperCase();
    var face = found[2];
    var day = found[3];
    var lastDay = day.slice(0, 4) + "-" + day.slice(4, 6) + "-" + day.slice(6, 8);
    var there = entries.some(function (entry) {
      return entry.codeKey === code && entry.state !== "over_allowance";
    });
    if (there || taking[code]) {
      if (!quiet) {
        say(format(texts.already, { code: grouped(code) }));
      }
      return;
    }
    if (!(window.crypto && crypto.subtle)) {
      say(texts.noCrypto);
      return;
    }
    taking[code] = true;
    verify(found[1], face, day, found[4])
      .then(function (valid) {
        if (!valid) {
          say(texts.forged);
          return undefined;
        }
        var now = new Date();
        if (lastDay < localDay(now)) {
          say(format(texts.expired, { date: lastDay.split("-").reverse().join("/") }));
          return undefined;
        }
        return load().then(function () {
          if (remaining() <= 0) {
            say(format(texts.allowance, { limit: state().allowance }));
            return undefined;
          }
          var option = service.options[service.selectedIndex];
          var entry = {
            key: "offline-scan-" + crypto.randomUUID(),
            place: config.place,
            service: service.value,
            serviceLabel: option ? option.textContent.trim() : service.value,
            qr: text,
            code: grouped(code),
            codeKey: code,
            face: parseInt(face, 10),
            lastDay: lastDay,
            scanned_at: now.toISOString(),
            day: localDay(now),
            state: "pending",
            message: ""
          };
          return write(function (store) {
            store.put(entry);
          })
            .then(refresh)
            .then(function () {
              say(
                format(texts.queued, { code: entry.code, value: euros.format(entry.face / 100) })
              );
              if (navigator.vibrate) {
                navigator.vibrate(60);
              }
            });
        });
      })
      .catch(function () {
        say(texts.noCrypto);
      })
      .finally(function () {
        delete taking[code];
      });
  }

  // --- Sending the queue ------------------------------------------------------------------

  function json(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") < 0) {
      throw new Error("login"); // the sign-in page, after a redirect
    }
    return response.json().then(function (body) {
      if (!response.ok) {
        throw new Error(response.status === 403 ? "login" : "failed");
      }
      return body;
    });
  }

  function send(batch, token) {
    return fetch(config.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": token
      },
      body: JSON.stringify({
        scans: batch.map(function (entry) {
          return {
            key: entry.key,
            service: entry.service,
            qr: entry.qr,
            scanned_at: entry.scanned_at
          };
        })
      })
    })
      .then(json)
      .then(function (body) {
        var byKey = {};
        body.results.forEach(function (result) {
          byKey[result.key] = result;
        });
        var syncedAt = new Date().toISOString();
        return write(function (store) {
          batch.forEach(function (entry) {
            var result = byKey[entry.key];
            if (result) {
              entry.state = result.outcome;
              entry.message = result.message;
              entry.synced_at = syncedAt;
              store.put(entry);
            }
          });
        }).then(function () {
          remember(body.state);
          return body.results;
        });
      });
  }

  function sync() {
    if (syncing || isOffline()) {
      return Promise.resolve();
    }
    return load().then(function () {
      var waiting = pending();
      if (!waiting.length) {
        return undefined;
      }
      syncing = true;
      syncButton.setAttribute("aria-disabled", "true");
      message.textContent = texts.sending;
      var answers = [];
      return fetch(config.stateUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(json)
        .then(function (fresh) {
          remember(fresh);
          var chain = Promise.resolve();
          for (var start = 0; start < waiting.length; start += BATCH) {
            (function (batch) {
              chain = chain.then(function () {
                return send(batch, fresh.csrf).then(function (results) {
                  answers = answers.concat(results);
                });
              });
            })(waiting.slice(start, start + BATCH));
          }
          return chain;
        })
        .then(function () {
          var redeemed = answers.filter(function (answer) {
            return answer.outcome === "redeemed";
          }).length;
          var conflicts = answers.filter(function (answer) {
            return answer.outcome === "conflict";
          }).length;
          message.textContent = format(texts.sent, {
            redeemed: redeemed,
            refused: answers.length - redeemed
          });
          conflictsBox.hidden = conflicts === 0;
          conflictsBox.firstElementChild.textContent = format(texts.conflicts, {
            count: conflicts
          });
        })
        .catch(function (error) {
          message.textContent = error && error.message === "login" ? texts.login : texts.failed;
        })
        .finally(function () {
          syncing = false;
          syncButton.removeAttribute("aria-disabled");
          return refresh();
        });
    });
  }

  function clearAnswered(olderThan) {
    var answered = entries.filter(function (entry) {
      return entry.state !== "pending" && (!olderThan || (entry.synced_at || "") < olderThan);
    });
    if (!answered.length) {
      return Promise.resolve();
    }
    return write(function (store) {
      answered.forEach(function (entry) {
        store.delete(entry.key);
      });
    }).then(refresh);
  }

  // --- The service worker -----------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) {
      return;
    }
    var controlled = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker
      .register(config.worker)
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        if (controlled || isOffline()) {
          readyLine.textContent = texts.ready;
          readyLine.hidden = false;
          return;
        }
        // First visit: the worker was not there when this page and its files loaded.
        var urls = [location.pathname].concat(
          performance.getEntriesByType("resource").map(function (entry) {
            return entry.name;
          })
        );
        var channel = new MessageChannel();
        channel.port1.onmessage = function () {
          readyLine.textContent = texts.ready;
          readyLine.hidden = false;
        };
        registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
      })
      .catch(function () {
        // no worker (private browsing, a policy): the page works online as before
      });
  }

  // --- Wiring -----------------------------------------------------------------------------

  window.passnumOffline = {
    active: isOffline,
    take: take
  };

  syncButton.addEventListener("click", function () {
    if (!syncButton.hasAttribute("aria-disabled")) {
      sync();
    }
  });
  clearButton.addEventListener("click", function () {
    clearAnswered(null).then(function () {
      message.textContent = texts.cleared;
      conflictsBox.hidden = true;
    });
  });
  window.addEventListener("online", function () {
    render();
    sync();
  });
  window.addEventListener("offline", render);

  registerWorker();
  var week = new Date(Date.now() - KEEP_DAYS * 86400000).toISOString();
  refresh()
    .then(function () {
      return clearAnswered(week);
    })
    .then(sync)
    .catch(function () {
      // no IndexedDB: offline scans are not possible in this browser
      render();
    });
})();
