/* New-report page: the pin picker (click, drag, "use my location", "place pin at map centre",
   the photo's location, a place found by address search), and nearby possible duplicates as
   the pin moves. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var messages = JSON.parse(document.getElementById("new-report-messages").textContent);
  var latInput = form.elements.lat;
  var lonInput = form.elements.lon;
  var status = document.getElementById("pin-status");
  var nearby = document.getElementById("nearby");
  var area = form.dataset.serviceArea.split(",").map(Number); // west, south, east, north
  var locateButton = document.getElementById("use-my-location");
  var centreButton = document.getElementById("pin-at-centre");
  var map = null;
  var marker = null;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function inArea(lat, lon) {
    return lon >= area[0] && lat >= area[1] && lon <= area[2] && lat <= area[3];
  }

  function showNearby(lat, lon) {
    if (!window.htmx || !nearby) return;
    htmx.ajax("GET", form.dataset.nearbyUrl, {
      target: "#nearby", swap: "innerHTML", values: { lat: lat, lon: lon }
    });
  }

  function setPin(latlng, zoom) {
    var lat = Math.round(latlng.lat * 1e6) / 1e6;
    var lon = Math.round(latlng.lng * 1e6) / 1e6;
    if (!marker) {
      marker = L.marker([lat, lon], {
        draggable: true, keyboard: true, autoPan: true,
        title: messages.marker, alt: messages.marker,
        icon: civicMap.pin("pin pin--here")
      }).addTo(map);
      marker.on("dragend", function () { setPin(marker.getLatLng()); });
    } else {
      marker.setLatLng([lat, lon]);
    }
    if (zoom) map.setView([lat, lon], Math.max(map.getZoom(), zoom));
    latInput.value = lat;
    lonInput.value = lon;
    var ok = inArea(lat, lon);
    form.querySelector(".map-picker").classList.toggle("map-picker--outside", !ok);
    status.textContent = ok ? format(messages.placed, { lat: lat.toFixed(5), lon: lon.toFixed(5) })
                            : messages.outside;
    status.classList.toggle("pin-status--warning", !ok);
    if (ok) {
      showNearby(lat, lon);
      fillStreet(lat, lon);
    } else if (nearby) nearby.innerHTML = "";
  }

  // Placing the pin fills an empty address field with the nearest known street (the
  // gazetteer's reverse lookup); what the resident typed is never overwritten.
  var addressField = form.elements.address;
  addressField.addEventListener("input", function () { delete addressField.dataset.auto; });
  function fillStreet(lat, lon) {
    if (!form.dataset.streetUrl) return;
    if (addressField.value.trim() && !addressField.dataset.auto) return;
    fetch(form.dataset.streetUrl + "?lat=" + lat + "&lon=" + lon, {
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { name: "" }; })
      .then(function (data) {
        if (addressField.value.trim() && !addressField.dataset.auto) return;
        addressField.value = data.name || "";
        if (data.name) addressField.dataset.auto = "1";
        else delete addressField.dataset.auto;
      })
      .catch(function () {});
  }

  // The map opens on the service area (data-map-fit).
  civicMap.onReady("new-report-map", function (created) {
    map = created;
    // The boundary the "outside the area" message speaks of, drawn (west, south, east, north).
    L.rectangle([[area[1], area[0]], [area[3], area[2]]], {
      fill: false, weight: 2, dashArray: "6 4", interactive: false, className: "service-area"
    }).addTo(map);
    map.on("click", function (e) { setPin(e.latlng); });
    if (latInput.value && lonInput.value) {
      // Back after a validation error: the pin stays where it was.
      setPin(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)), 16);
    }
    centreButton.hidden = false;
    if ("geolocation" in navigator) locateButton.hidden = false;
  });

  centreButton.addEventListener("click", function () {
    if (map) setPin(map.getCenter());
  });

  locateButton.addEventListener("click", function () {
    status.textContent = messages.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setPin(L.latLng(position.coords.latitude, position.coords.longitude), 17);
      },
      function () { status.textContent = messages.geo_failed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // "Use the photo's location", in the fragment the photo-location endpoint returns.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-photo-lat]");
    if (!button || !map) return;
    setPin(L.latLng(parseFloat(button.dataset.photoLat), parseFloat(button.dataset.photoLon)), 17);
    button.closest(".notice").remove();
    status.focus();
  });

  // "Find this address": a POST of the whole form without JavaScript; with it, htmx fetches
  // the results only. As a plain button it no longer catches Enter in other fields (that
  // still sends the report); Enter in the address field searches.
  var findButton = document.getElementById("find-address");
  var addressInput = form.elements.address;
  function enhanceFind() {
    if (!findButton || !window.htmx) return;
    findButton.type = "button";
    addressInput.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      findButton.click();
    });
  }
  // htmx is loaded with `defer`: it is there by DOMContentLoaded.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceFind);
  else enhanceFind();

  // "Put the pin here", on a place the address search found. Without a map the button
  // falls back to sending the form with the place (pin=lat,lon).
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-place-lat]");
    if (!button || !map) return;
    event.preventDefault();
    var lat = parseFloat(button.dataset.placeLat);
    var lon = parseFloat(button.dataset.placeLon);
    setPin(L.latLng(lat, lon), 17);
    if (inArea(lat, lon)) {
      status.textContent = format(messages.placed_at, { place: button.dataset.placeName });
    }
    var chosen = form.querySelectorAll(".places__item--chosen");
    for (var i = 0; i < chosen.length; i++) chosen[i].classList.remove("places__item--chosen");
    button.closest(".places__item").classList.add("places__item--chosen");
    status.focus();
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
