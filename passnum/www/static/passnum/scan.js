/*
 * passnum — the scanning page of a place's staff.
 *
 * Without JavaScript the page is a plain form: codes typed one per line, a "check" button and
 * a "confirm" button. This script turns it into a growing list: each pass added (typed, read by
 * a handheld scanner that types the code then Enter, read by the camera or from a photo) is
 * checked at once by the page's JSON endpoint, which says what the pass is worth and whether
 * the rules let it pay the chosen service here. Confirming sends the same form, the list
 * written into its codes field.
 *
 * Barcodes are read by the browser's BarcodeDetector where it reads QR and Code 128, otherwise
 * by ZXing (vendor/zxing, served by the project). A QR code holds the pass's address,
 * SITE_URL/p/<code>: the code is taken from it. Texts come from the page (#scan-config),
 * translated there.
 */
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var configElement = document.getElementById("scan-config");
  if (!form || !configElement) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var texts = config.texts;
  var service = form.elements.service;
  var codesField = form.elements.codes;
  var input = document.getElementById("scan-code");
  var addButton = document.getElementById("scan-add");
  var statusLine = document.getElementById("scan-status");
  var live = document.getElementById("scan-live");
  var tbody = document.querySelector("#scan-list tbody");
  var summary = document.getElementById("scan-summary");
  var confirmButton = document.getElementById("scan-confirm");
  var photo = document.getElementById("scan-photo");
  var video = document.getElementById("camera-video");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var euros = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: "EUR"
  });
  var MAX_SIDE = 1600; // pixels: enough for a pass's codes, fast enough on a phone
  var items = [];
  var submitting = false;

  function format(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return params[name] !== undefined ? params[name] : match;
    });
  }

  function say(message) {
    statusLine.textContent = message;
  }

  function codeFromScan(text) {
    var value = text.trim();
    var found = /\/p\/([^/?#\s]+)\/?(?:[?#]\S*)?\s*$/.exec(value);
    return found ? found[1] : value;
  }

  function keyOf(code) {
    return code.replace(/[\s\-._]/g, "").toUpperCase();
  }

  // --- The list ---------------------------------------------------------------------------

  function cell(row, className) {
    var td = document.createElement("td");
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function badge(kind, text) {
    var element = document.createElement("p");
    element.className = "fr-badge fr-badge--sm" + (kind ? " fr-badge--" + kind : "");
    element.textContent = text;
    return element;
  }

  function newRow(item) {
    var row = document.createElement("tr");
    row.setAttribute("data-code", item.key);
    item.cells = {
      code: cell(row, "passnum-code"),
      verdict: cell(row),
      value: cell(row),
      expires: cell(row),
      detail: cell(row),
      action: cell(row)
    };
    item.cells.code.textContent = item.code;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "fr-btn fr-btn--tertiary fr-btn--sm";
    remove.textContent = texts.remove;
    var hidden = document.createElement("span");
    hidden.className = "fr-sr-only";
    hidden.textContent = " — " + item.code;
    remove.appendChild(hidden);
    remove.addEventListener("click", function () {
      items = items.filter(function (other) {
        return other !== item;
      });
      row.remove();
      refresh();
      input.focus();
    });
    item.cells.action.appendChild(remove);
    return row;
  }

  function show(item) {
    var result = item.result;
    var cells = item.cells;
    cells.verdict.replaceChildren();
    if (item.pending) {
      cells.verdict.textContent = texts.checking;
    } else if (!result) {
      cells.verdict.appendChild(badge("warning", "?"));
    } else if (result.usable) {
      cells.verdict.appendChild(badge("success", texts.usable));
    } else {
      cells.verdict.appendChild(badge("error", result.known ? texts.refused : texts.unknown));
    }
    cells.code.textContent = result ? result.code : item.code;
    cells.value.textContent = (result && result.value) || "—";
    cells.expires.textContent = (result && result.expires_on) || "—";
    var detail = item.problem ? [item.problem] : [];
    if (result) {
      detail = detail.concat(result.status ? [result.status] : [], result.reasons);
    }
    cells.detail.textContent = detail.join(" — ") || "—";
  }

  function refresh() {
    codesField.value = items.map(function (item) {
      return item.code;
    }).join("\n");
    live.hidden = items.length === 0;
    var offer = config.offers[service.value];
    if (!offer) {
      summary.textContent = texts.noService;
      return;
    }
    var usable = items.filter(function (item) {
      return item.result && item.result.usable;
    });
    var value = usable.reduce(function (total, item) {
      return total + item.result.face_value_cents;
    }, 0);
    summary.textContent = format(texts.summary, {
      price: offer.price,
      needed: offer.passes_needed,
      count: usable.length,
      value: euros.format(value / 100),
      rest: euros.format(Math.max(0, offer.price_cents - value) / 100)
    });
  }

  function check(item) {
    item.version = (item.version || 0) + 1;
    var version = item.version;
    item.pending = true;
    item.problem = "";
    show(item);
    var query = new URLSearchParams({ code: item.code, service: service.value });
    fetch(config.checkUrl + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (version !== item.version) {
          return;
        }
        item.pending = false;
        if (answer.ok) {
          item.result = answer.body;
        } else {
          item.result = null;
          item.problem = answer.body.message || texts.failed;
        }
        show(item);
        refresh();
      })
      .catch(function () {
        if (version !== item.version) {
          return;
        }
        item.pending = false;
        item.result = null;
        item.problem = texts.failed;
        show(item);
        refresh();
      });
  }

  function add(raw, quietIfThere) {
    var offline = window.passnumOffline;
    if (offline && offline.active()) {
      offline.take(raw, quietIfThere); // no network: the signed QR is queued (scan-offline.js)
      return true;
    }
    var code = codeFromScan(raw);
    if (!code) {
      return false;
    }
    var key = keyOf(code);
    var known = items.some(function (item) {
      return item.key === key;
    });
    if (known) {
      if (!quietIfThere) {
        say(format(texts.already, { code: code }));
      }
      return false;
    }
    var item = { key: key, code: code, result: null };
    items.push(item);
    tbody.appendChild(newRow(item));
    refresh();
    check(item);
    say(format(texts.added, { code: code }));
    if (navigator.vibrate) {
      navigator.vibrate(60);
    }
    return true;
  }

  // --- Reading barcodes ---------------------------------------------------------------------

  var decoderReady = null;

  function zxingDecoder() {
    var ZXing = window.ZXing;
    if (!ZXing) {
      return null;
    }
    var hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [
      ZXing.BarcodeFormat.QR_CODE,
      ZXing.BarcodeFormat.CODE_128
    ]);
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    var reader = new ZXing.MultiFormatReader();
    reader.setHints(hints);
    return function (source) {
      try {
        var luminance = new ZXing.HTMLCanvasElementLuminanceSource(source);
        var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(luminance));
        return Promise.resolve([reader.decodeWithState(bitmap).getText()]);
      } catch (error) {
        return Promise.resolve([]); // NotFoundException: no code in this picture
      } finally {
        reader.reset();
      }
    };
  }

  function nativeDecoder() {
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0 || formats.indexOf("code_128") < 0) {
        return zxingDecoder();
      }
      var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128"] });
      return function (source) {
        return detector.detect(source).then(function (codes) {
          return codes.map(function (code) {
            return code.rawValue;
          });
        });
      };
    });
  }

  function decoder() {
    if (!decoderReady) {
      decoderReady =
        "BarcodeDetector" in window
          ? nativeDecoder().catch(zxingDecoder)
          : Promise.resolve(zxingDecoder());
    }
    return decoderReady;
  }

  /* The codes in a picture (a video frame, a photo), drawn on a canvas first. */
  function decode(source, width, height) {
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    return decoder().then(function (read) {
      return read ? read(canvas) : [];
    });
  }

  function decodeFile(file) {
    return createImageBitmap(file).then(function (bitmap) {
      return decode(bitmap, bitmap.width, bitmap.height).finally(function () {
        bitmap.close();
      });
    });
  }

  // --- The camera ---------------------------------------------------------------------------

  var stream = null;
  var timer = null;
  var busy = false;

  function stopCamera() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function scanFrame() {
    timer = null;
    if (!stream) {
      return;
    }
    if (!busy && video.readyState >= 2 && video.videoWidth) {
      busy = true;
      decode(video, video.videoWidth, video.videoHeight)
        .then(function (values) {
          values.forEach(function (value) {
            add(value, true);
          });
        })
        .catch(function () {})
        .finally(function () {
          busy = false;
        });
    }
    timer = setTimeout(scanFrame, 250);
  }

  function startCamera() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = opened;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        stopButton.focus();
        say(texts.cameraOn);
        return video.play();
      })
      .then(scanFrame)
      .catch(function () {
        stopCamera();
        say(texts.cameraError);
      });
  }

  // --- Wiring -------------------------------------------------------------------------------

  function addTyped() {
    if (input.value.trim()) {
      add(input.value, false);
    }
    input.value = "";
    input.focus();
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault(); // a handheld scanner ends each code with Enter
      addTyped();
    }
  });
  addButton.addEventListener("click", addTyped);

  service.addEventListener("change", function () {
    items.forEach(check);
    refresh();
  });

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) {
      return;
    }
    say(texts.reading);
    decodeFile(file)
      .then(function (values) {
        var added = values.filter(function (value) {
          return add(value, false);
        });
        if (!values.length) {
          say(texts.photoNone);
        } else if (!added.length && values.length) {
          say(format(texts.already, { code: codeFromScan(values[0]) }));
        }
      })
      .catch(function () {
        say(texts.photoNone);
      })
      .finally(function () {
        photo.value = "";
      });
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    startButton.addEventListener("click", startCamera);
    stopButton.addEventListener("click", function () {
      stopCamera();
      say(texts.cameraOff);
      startButton.focus();
    });
    window.addEventListener("pagehide", stopCamera);
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "check") {
      return;
    }
    if (submitting) {
      event.preventDefault(); // one payment per click, however many clicks
      return;
    }
    if (!items.length) {
      event.preventDefault();
      say(texts.nothing);
      input.focus();
      return;
    }
    refresh();
    stopCamera();
    submitting = true;
    say(texts.sending);
    confirmButton.setAttribute("aria-disabled", "true");
  });

  // Back to this page from the result (the browser's page cache): the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitting = false;
      confirmButton.removeAttribute("aria-disabled");
    }
  });

  // The enhanced form replaces the codes field and the "check" button (checks are live).
  document.getElementById("scan-tools").hidden = false;
  document.getElementById("codes-group").hidden = true;
  document.getElementById("scan-check").parentElement.hidden = true;
  var typed = codesField.value;
  typed.split(/\r?\n/).forEach(function (line) {
    if (line.trim()) {
      add(line, true);
    }
  });
  say("");
  refresh();
})();
