/* Volunteer pages: the map of upcoming calls, "use my location", and the meeting-point
   pin picker. No inline script: the calls come from data- attributes on the list items,
   the maps from static/js/map.js (civicMap). Without JavaScript every form still works. */
(function () {
  "use strict";

  function callsMap(map) {
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
    if (points.length > 1) map.fitBounds(points, { padding: [30, 30], maxZoom: 15, animate: false });
    else if (points.length === 1) map.setView(points[0], 15, { animate: false });
  }

  function locate(form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.finding || "";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(5);
          form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(5);
          var km = form.querySelector("[name=km]");
          if (km && !km.value) km.value = "3";
          form.submit();
        },
        function () { status.textContent = button.dataset.failed || ""; }
      );
    });
  }

  function pinPicker(picker) {
    var box = picker.querySelector(".map");
    var latInput = document.querySelector("[data-pin-lat]");
    var lonInput = document.querySelector("[data-pin-lon]");
    if (!box || !latInput || !lonInput || !window.civicMap) return;
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    var has = !isNaN(lat) && !isNaN(lon);
    if (has) {
      box.dataset.mapCenter = lat + "," + lon;
      box.dataset.mapZoom = "16";
    }
    // Shown (and drawn) only with JavaScript: without it the coordinates are typed.
    box.hidden = false;
    var map = window.civicMap.create(box);
    // The pin says what it marks (a screen reader reads its name).
    var named = { title: picker.dataset.pinName || "", alt: picker.dataset.pinName || "" };
    var marker = has ? L.marker([lat, lon], named).addTo(map) : null;
    map.on("click", function (event) {
      if (marker) marker.setLatLng(event.latlng);
      else marker = L.marker(event.latlng, named).addTo(map);
      latInput.value = event.latlng.lat.toFixed(6);
      lonInput.value = event.latlng.lng.toFixed(6);
    });
  }

  function start() {
    document.querySelectorAll("[data-near-form]").forEach(locate);
    if (typeof L === "undefined" || !window.civicMap) return;
    window.civicMap.onReady("volunteer-map", callsMap);
    document.querySelectorAll("[data-pin-picker]").forEach(pinPicker);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
