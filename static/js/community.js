/* Community maps: the topics map (markers from the bbox-filtered GeoJSON),
   the pin picker of the new-topic form, and a topic's own place. */
(function () {
  "use strict";

  function link(feature) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = feature.properties.url;
    a.textContent = feature.properties.title; // text, never HTML
    var meta = document.createElement("p");
    meta.textContent = feature.properties.kind_label;
    box.appendChild(a);
    box.appendChild(meta);
    return box;
  }

  civicMap.onReady("topics-map", function (map) {
    var container = document.querySelector(".topics-map");
    var status = document.querySelector(".topics-map-status");
    var url = container.dataset.geojson;
    var layer = L.layerGroup().addTo(map);
    var pending = null;
    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(",");
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox, { signal: pending.signal })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            L.marker([c[1], c[0]], { title: feature.properties.title, alt: feature.properties.title })
              .bindPopup(link(feature))
              .addTo(layer);
          });
          if (status) status.textContent = data.features.length ? "" : container.dataset.empty;
        })
        .catch(function () {});
    }
    map.on("moveend", load);
    load();
  });

  civicMap.onReady("topic-pin", function (map) {
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var clear = document.querySelector("[data-clear-pin]");
    var marker = null;
    function show(latlng, pan) {
      var name = map.getContainer().dataset.pinName || "";
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: name, alt: name });
        marker.addTo(map);
      }
      marker.setLatLng(latlng);
      marker.off("dragend").on("dragend", function () { write(marker.getLatLng()); });
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 15));
      clear.hidden = false;
    }
    function write(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    map.on("click", function (event) { show(event.latlng); write(event.latlng); });
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) show(L.latLng(a, b), true);
    }
    lat.addEventListener("change", fromInputs);
    lon.addEventListener("change", fromInputs);
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lat.value = "";
      lon.value = "";
      clear.hidden = true;
    });
    fromInputs();
  });

  civicMap.onReady("topic-place-map", function (map) {
    var box = document.querySelector(".topic-place");
    var latlng = L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon));
    L.marker(latlng, { title: box.dataset.title, alt: box.dataset.title }).addTo(map);
  });
})();
