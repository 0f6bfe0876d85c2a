/* Volunteer pages: the map of upcoming calls, "use my location", and the meeting-point
   pin picker. No inline script: everything comes from data- attributes, and the only
   global used is Leaflet's `L`. Without JavaScript every form still works. */
(function () {
  "use strict";

  function tiles(el, map) {
    if (!el.dataset.tiles) return;
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }

  function centre(el) {
    return [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)];
  }

  function callsMap(el) {
    var map = L.map(el).setView(centre(el), parseInt(el.dataset.zoom, 10) || 13);
    tiles(el, map);
    var points = [];
    document.querySelectorAll("[data-call]").forEach(function (item) {
      var lat = parseFloat(item.dataset.lat), lon = parseFloat(item.dataset.lon);
      if (isNaN(lat) || isNaN(lon)) return;
      var link = document.createElement("a");
      link.href = item.dataset.url;
      link.textContent = item.dataset.title; // text, never HTML
      L.marker([lat, lon], { title: item.dataset.title, alt: item.dataset.title })
        .bindPopup(link)
        .addTo(map);
      points.push([lat, lon]);
    });
    if (points.length > 1) map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    else if (points.length === 1) map.setView(points[0], 15);
  }

  function locate(form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.finding || "…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(5);
          form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(5);
          var km = form.querySelector("[name=km]");
          if (km && !km.value) km.value = "3";
          form.submit();
        },
        function () {
          status.textContent = button.dataset.failed || "";
        }
      );
    });
  }

  function pinPicker(el) {
    var box = el.querySelector(".map");
    var latInput = el.querySelector("[data-pin-lat]");
    var lonInput = el.querySelector("[data-pin-lon]");
    if (!box || !latInput || !lonInput) return;
    box.hidden = false;
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    var has = !isNaN(lat) && !isNaN(lon);
    var map = L.map(box).setView(has ? [lat, lon] : centre(el), has ? 16 : parseInt(el.dataset.zoom, 10) || 13);
    tiles(el, map);
    var marker = has ? L.marker([lat, lon]).addTo(map) : null;
    function place(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }
    map.on("click", function (event) { place(event.latlng); });
  }

  function start() {
    document.querySelectorAll("[data-near-form]").forEach(locate);
    if (typeof L === "undefined") return;
    var calls = document.querySelector("[data-calls-map]");
    if (calls) callsMap(calls);
    document.querySelectorAll("[data-pin-picker]").forEach(pinPicker);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
