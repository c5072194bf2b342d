// Shows a place on a map where a page has one. The address is always in the text beside it.
(function () {
  "use strict";
  function show(element) {
    if (typeof L === "undefined") { return; }
    var point = [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lon"))];
    if (isNaN(point[0]) || isNaN(point[1])) { return; }
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false }).setView(point, 15);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    L.marker(point, { title: element.getAttribute("data-label") || "" }).addTo(map);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(show);
  });
})();
