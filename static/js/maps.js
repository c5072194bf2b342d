// Shows a place on a map where a page has one. The address is always in the text beside it.
// A private person's place comes as an approximate point with a radius: it is drawn as that
// area, never as a pin, and the text beside the map says so.
(function () {
  "use strict";
  function show(element) {
    if (typeof L === "undefined") { return; }
    var point = [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lon"))];
    if (isNaN(point[0]) || isNaN(point[1])) { return; }
    element.hidden = false;
    var radius = parseFloat(element.getAttribute("data-radius"));
    var map = L.map(element, { scrollWheelZoom: false }).setView(point, 15);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    var label = element.getAttribute("data-label") || "";
    if (radius > 0) {
      var area = L.circle(point, { radius: radius }).addTo(map).bindTooltip(label);
      map.fitBounds(area.getBounds(), { padding: [20, 20] });
    } else {
      L.marker(point, { title: label }).addTo(map);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(show);
  });
})();
