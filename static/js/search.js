// The search page's map of results, and the buttons that choose where to search from.
// Without JavaScript the form, the list and the links all still work.
(function () {
  "use strict";
  var KERA = [60.2172, 24.7535];
  var map = null;

  function form() { return document.getElementById("search-form"); }

  function submit() {
    var element = form();
    if (!element) { return; }
    if (typeof element.requestSubmit === "function") { element.requestSubmit(); } else { element.submit(); }
  }

  function searchFrom(lat, lon, radiusKm) {
    var near = document.getElementById("near");
    var postal = document.getElementById("postal_code");
    if (!near) { return; }
    near.value = lat.toFixed(5) + "," + lon.toFixed(5);
    if (postal) { postal.value = ""; }
    if (radiusKm) {
      var select = document.getElementById("radius_km");
      var chosen = "";
      Array.prototype.forEach.call(select.options, function (option) {
        var km = parseFloat(option.value);
        if (!chosen && !isNaN(km) && km >= radiusKm) { chosen = option.value; }
      });
      select.value = chosen;
    }
    submit();
  }

  // Listings at one pickup place (or in one area) share a marker, whose popup lists them all.
  function groups(items) {
    var byPlace = {};
    var order = [];
    items.forEach(function (item) {
      var key = item.lat.toFixed(5) + "," + item.lon.toFixed(5) + "," + (item.radius_m || 0);
      if (!byPlace[key]) { byPlace[key] = []; order.push(key); }
      byPlace[key].push(item);
    });
    return order.map(function (key) { return byPlace[key]; });
  }

  function popup(items) {
    var box = document.createElement("div");
    var place = document.createElement("p");
    place.textContent = items[0].place;
    box.appendChild(place);
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      entry.appendChild(link);
      entry.appendChild(document.createTextNode(" · " + item.price));
      list.appendChild(entry);
    });
    box.appendChild(list);
    return box;
  }

  function areaButton(element) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "search-area compact";
    button.textContent = element.getAttribute("data-area-label");
    button.hidden = true;
    button.addEventListener("click", function () {
      var centre = map.getCenter();
      var corner = map.getBounds().getNorthEast();
      searchFrom(centre.lat, centre.lng, centre.distanceTo(corner) / 1000);
    });
    element.parentNode.insertBefore(button, element.nextSibling);
    return button;
  }

  function showMap() {
    var element = document.getElementById("search-map");
    if (map && element && map.getContainer() === element) { return; }
    if (map) { map.remove(); map = null; }
    var data = document.getElementById("search-map-data");
    if (!element || !data || typeof L === "undefined") { return; }
    var items = JSON.parse(data.textContent || "[]");
    element.hidden = false;
    map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    var points = [];
    groups(items).forEach(function (group) {
      var point = [group[0].lat, group[0].lon];
      var title = group.length === 1 ? group[0].title : group[0].place + " (" + group.length + ")";
      if (group[0].radius_m) {
        // A private person's place: only its area is known to the page, so that is drawn.
        L.circle(point, { radius: group[0].radius_m }).addTo(map)
          .bindTooltip(title).bindPopup(popup(group));
      } else {
        L.marker(point, { title: title, alt: title }).addTo(map).bindPopup(popup(group));
      }
      points.push(point);
    });
    if (points.length) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    } else {
      map.setView(KERA, 12);
    }
    var button = areaButton(element);
    map.on("dragend zoomend", function () { button.hidden = false; });
  }

  function setUpLocate() {
    var locate = document.querySelector("[data-locate]");
    if (!locate || !navigator.geolocation) { return; }
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        searchFrom(position.coords.latitude, position.coords.longitude, 0);
      });
    });
  }

  // The search box already searches as it changes; its "change" on leaving it would only
  // repeat the search (and redraw the map under the user's pointer).
  function setUpSearchBox() {
    var box = document.getElementById("q");
    if (box) { box.addEventListener("change", function (event) { event.stopPropagation(); }); }
  }

  function setUpPostalCode() {
    var postal = document.getElementById("postal_code");
    if (!postal) { return; }
    // A typed postal code replaces a point chosen on the map or by location.
    postal.addEventListener("input", function () {
      var near = document.getElementById("near");
      if (near) { near.value = ""; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpLocate();
    setUpSearchBox();
    setUpPostalCode();
    showMap();
    document.body.addEventListener("htmx:afterSettle", showMap);
  });
})();
