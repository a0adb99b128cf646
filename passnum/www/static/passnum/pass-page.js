// The pass page's "Près de moi": asks the browser for the position, then submits the search
// with it (the page works without this script: type a commune or a postcode).
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var form = document.getElementById("near-form");
  if (!button || !form || !("geolocation" in navigator)) {
    return;
  }
  var status = document.getElementById("near-me-status");
  document.getElementById("near-me-item").classList.remove("fr-hidden");
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(4);
        document.getElementById("id_lon").value = position.coords.longitude.toFixed(4);
        document.getElementById("id_commune").value = "";
        form.submit();
      },
      function () {
        status.textContent = button.dataset.refused || "";
      },
      { timeout: 15000, maximumAge: 600000 }
    );
  });
})();
