// Turns the latitude and longitude inputs of a form into a map on which the point can be picked.
// Without JavaScript the inputs alone still work.
(function () {
  "use strict";
  var KERA = [60.2172, 24.7535];

  function parse(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function setUp(element) {
    if (typeof L === "undefined") { return; }
    var latInput = document.querySelector(element.getAttribute("data-lat"));
    var lonInput = document.querySelector(element.getAttribute("data-lon"));
    element.hidden = false;
    var start = [parse(latInput), parse(lonInput)];
    var hasPoint = start[0] !== null && start[1] !== null;
    var map = L.map(element).setView(hasPoint ? start : KERA, hasPoint ? 15 : 13);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    var marker = hasPoint ? L.marker(start).addTo(map) : null;

    function place(lat, lon, fromInput) {
      if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon]).addTo(map); }
      if (!fromInput) {
        latInput.value = lat.toFixed(6);
        lonInput.value = lon.toFixed(6);
      }
    }
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, false); });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var lat = parse(latInput), lon = parse(lonInput);
        if (lat !== null && lon !== null) { place(lat, lon, true); map.panTo([lat, lon]); }
      });
    });

    var locate = element.parentNode.querySelector("[data-locate]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          place(position.coords.latitude, position.coords.longitude, false);
          map.setView([position.coords.latitude, position.coords.longitude], 16);
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map-picker]").forEach(setUp);
  });
})();
