/*
 * passnum — public search of places: the map and the "Autour de moi" button.
 *
 * Everything here is an enhancement: without JavaScript the search form and the list of
 * results work alone. The map reads the same search as GeoJSON (data-geojson-url), draws it
 * with Leaflet (served from our static files) and is not a keyboard trap: markers stay out of
 * the tab order (the list below is the text alternative) and a link lets people skip the map.
 * Texts come from data-* attributes written by the template, translated there.
 */
(function () {
  "use strict";

  var FRANCE = [46.6, 2.4];

  function setUpNearMe() {
    var form = document.getElementById("places-search");
    var group = document.getElementById("near-me-group");
    var button = document.getElementById("near-me");
    var status = document.getElementById("near-me-status");
    if (!form || !group || !button || !("geolocation" in navigator)) {
      return;
    }
    group.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) {
        status.textContent = button.getAttribute("data-pending");
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          // About 10 m of precision is plenty to find a place nearby.
          form.elements.lat.value = position.coords.latitude.toFixed(4);
          form.elements.lon.value = position.coords.longitude.toFixed(4);
          form.elements.q.value = "";
          form.submit();
        },
        function () {
          button.disabled = false;
          if (status) {
            status.textContent = button.getAttribute("data-error");
          }
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  }

  function popupContent(feature) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = feature.properties.url;
    link.textContent = feature.properties.name;
    var commune = document.createElement("p");
    commune.textContent = feature.properties.commune;
    box.appendChild(link);
    box.appendChild(commune);
    return box;
  }

  function setUpMap() {
    var section = document.getElementById("places-map-section");
    var container = document.getElementById("places-map");
    var note = document.getElementById("places-map-note");
    if (!section || !container || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    section.hidden = false;
    container.style.height = "28rem";

    var map = L.map(container, { scrollWheelZoom: false, zoomControl: false });
    L.control
      .zoom({
        zoomInTitle: section.getAttribute("data-zoom-in"),
        zoomOutTitle: section.getAttribute("data-zoom-out"),
      })
      .addTo(map);
    map.setView(FRANCE, 5);

    var tileUrl = section.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        attribution: section.getAttribute("data-tile-attribution") || "",
        maxZoom: 19,
      }).addTo(map);
    }

    var form = document.getElementById("places-search");
    // Without the search form (the pass page's map) there is no circle: isFinite(null) is true.
    var latitude = form ? parseFloat(form.elements.lat.value) : NaN;
    var longitude = form ? parseFloat(form.elements.lon.value) : NaN;
    var around = null;
    if (isFinite(latitude) && isFinite(longitude)) {
      var radiusKm = parseFloat(section.getAttribute("data-radius-km")) || 10;
      around = L.circle([latitude, longitude], {
        radius: radiusKm * 1000,
        interactive: false,
        fill: false,
      }).addTo(map);
      map.fitBounds(around.getBounds());
    }

    fetch(section.getAttribute("data-geojson-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          pointToLayer: function (feature, latlng) {
            return L.marker(latlng, {
              title: feature.properties.name,
              alt: feature.properties.name,
              keyboard: false,
            });
          },
          onEachFeature: function (feature, marker) {
            marker.bindPopup(popupContent(feature));
          },
        }).addTo(map);
        if (around) {
          map.fitBounds(around.getBounds());
        } else if (collection.features.length) {
          map.fitBounds(layer.getBounds(), { maxZoom: 14, padding: [24, 24] });
        }
        if (collection.truncated && note) {
          note.textContent = section.getAttribute("data-truncated");
        }
      })
      .catch(function () {
        if (note) {
          note.textContent = section.getAttribute("data-load-error");
        }
      });
  }

  setUpNearMe();
  setUpMap();
})();
