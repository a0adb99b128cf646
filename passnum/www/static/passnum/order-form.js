/*
 * passnum — the order form: the territory search and the live count of qualified places.
 *
 * Everything here is an enhancement: without JavaScript, the codes are typed in their fields
 * and the count shows once the draft is saved. The search (data-url of #area-picker) adds a
 * territory's code to the field of its kind; the count (data-url of #places-count) is asked
 * again whenever a rule changes, and announced politely to screen readers. Texts come from
 * data-* attributes written by the template, translated there. No inline script (CSP).
 */
(function () {
  "use strict";

  var FIELDS = {
    commune: "id_communes",
    epci: "id_epcis",
    departement: "id_departements",
    region: "id_regions"
  };
  var RULE_NAMES = ["communes", "epcis", "departements", "regions", "place_types", "families", "services"];

  function debounce(func, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { func.apply(null, args); }, wait);
    };
  }

  function codesOf(text) {
    return text.split(/[\s,;]+/).filter(function (code) { return code.length > 0; });
  }

  function setUpCount(form) {
    var output = document.getElementById("places-count");
    if (!output || !output.getAttribute("data-url")) {
      return function () {};
    }
    var url = output.getAttribute("data-url");
    var latest = 0;

    function refresh() {
      var params = new URLSearchParams();
      RULE_NAMES.forEach(function (name) {
        var elements = form.querySelectorAll("[name='" + name + "']");
        Array.prototype.forEach.call(elements, function (element) {
          if (element.type === "checkbox") {
            if (element.checked) { params.append(name, element.value); }
          } else if (element.value) {
            params.append(name, element.value);
          }
        });
      });
      var ticket = ++latest;
      fetch(url + "?" + params.toString(), { headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (ticket !== latest) { return; }  // an older answer arriving late
          if (result.ok) {
            output.textContent = result.body.text;
          } else {
            var errors = result.body.errors || {};
            var first = Object.keys(errors).map(function (key) { return errors[key]; })[0];
            output.textContent = output.getAttribute("data-error") + (first ? " " + first : "");
          }
        })
        .catch(function () {
          if (ticket === latest) { output.textContent = output.getAttribute("data-error"); }
        });
    }

    var later = debounce(refresh, 400);
    form.addEventListener("input", function (event) {
      if (RULE_NAMES.indexOf(event.target.name) !== -1) { later(); }
    });
    form.addEventListener("change", function (event) {
      if (RULE_NAMES.indexOf(event.target.name) !== -1) { later(); }
    });
    refresh();
    return later;
  }

  function setUpPicker(onChange) {
    var picker = document.getElementById("area-picker");
    var input = document.getElementById("area-query");
    var list = document.getElementById("area-results");
    var status = document.getElementById("area-status");
    if (!picker || !input || !list || !window.fetch) {
      return;
    }
    picker.hidden = false;
    var url = picker.getAttribute("data-url");
    var latest = 0;

    function kindLabel(kind) {
      return picker.getAttribute("data-kind-" + kind) || kind;
    }

    function add(area) {
      var field = document.getElementById(FIELDS[area.kind]);
      if (!field) { return; }
      var codes = codesOf(field.value);
      if (codes.indexOf(area.code) === -1) {
        codes.push(area.code);
        field.value = codes.join(", ");
      }
      status.textContent = picker.getAttribute("data-added") + " " + area.name + " (" +
        kindLabel(area.kind) + " " + area.code + ")";
      onChange();
      input.focus();
    }

    function show(results) {
      list.textContent = "";
      if (!results.length) {
        status.textContent = picker.getAttribute("data-none");
        return;
      }
      results.forEach(function (area) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "fr-btn fr-btn--sm fr-btn--tertiary";
        button.textContent = picker.getAttribute("data-add") + " : " + area.name + " — " +
          kindLabel(area.kind) + " " + area.code;
        button.addEventListener("click", function () { add(area); });
        item.appendChild(button);
        list.appendChild(item);
      });
      status.textContent = "";
    }

    var search = debounce(function () {
      var text = input.value.trim();
      if (text.length < 2) {
        list.textContent = "";
        return;
      }
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (ticket === latest) { show(body.results || []); }
        })
        .catch(function () {});
    }, 250);

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // searching is not submitting the order
        event.preventDefault();
        search();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("order-form");
    if (!form) { return; }
    var refresh = setUpCount(form);
    setUpPicker(refresh);
  });
})();
