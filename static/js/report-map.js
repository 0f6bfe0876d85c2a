/* Home page and report list: markers from the bbox-filtered GeoJSON, reloaded as the map moves.
   The map element carries data-geojson-url (with the list's filters) and data-status (an
   aria-live element's id). */
(function () {
  "use strict";

  function pinClass(feature) {
    var state = feature.properties.state;
    if (feature.properties.overdue) return "pin pin--open pin--overdue";
    if (feature.properties.is_open) return "pin pin--open";
    if (state === "fixed") return "pin pin--fixed";
    return "pin pin--closed";
  }

  function popupContent(feature) {
    var p = feature.properties;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    link.className = "popup__title";
    var meta = document.createElement("p");
    meta.className = "popup__meta";
    meta.textContent = p.service + " · " + p.state_label;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function clampedBbox(map) {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    if (west >= east) { west = -180; east = 180; }
    return [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
  }

  civicMap.onEach(function (map, el) {
    var base = el.dataset.geojsonUrl;
    if (!base) return;
    var status = document.getElementById(el.dataset.status);
    var overdueKey = document.querySelector("[data-overdue-label]");
    var overdueWord = overdueKey ? overdueKey.textContent.trim() : "";
    var layer = L.layerGroup().addTo(map);
    var controller = null;
    var timer = null;

    function load() {
      if (controller) controller.abort();
      controller = new AbortController();
      var url = base + (base.indexOf("?") === -1 ? "?" : "&") + "bbox=" + clampedBbox(map);
      el.setAttribute("aria-busy", "true");
      fetch(url, { signal: controller.signal, headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var state = feature.properties.state_label;
            // The word comes translated from the map's legend.
            if (feature.properties.overdue && overdueWord) state += ", " + overdueWord;
            var label = feature.properties.title + " (" + state + ")";
            var marker = L.marker([c[1], c[0]], {
              icon: L.divIcon({ className: pinClass(feature), html: "<span></span>",
                                iconSize: [26, 34], iconAnchor: [13, 34], popupAnchor: [0, -30] }),
              title: label,
              keyboard: true,
              riseOnHover: true
            });
            marker.bindPopup(popupContent(feature));
            marker.addTo(layer);
            var icon = marker.getElement();
            if (icon) {
              icon.setAttribute("aria-label", label);
              icon.dataset.reportId = feature.id;
            }
          });
          el.dataset.markerCount = String(data.features.length);
          el.removeAttribute("aria-busy");
          if (status) {
            var n = data.features.length;
            status.textContent = data.capped
              ? (el.dataset.msgCapped || "Showing the newest {n} reports here. Zoom in to see all of them.").replace("{n}", n)
              : (n === 1 ? (el.dataset.msgOne || "1 report in this part of the map.")
                         : (el.dataset.msgMany || "{n} reports in this part of the map.").replace("{n}", n));
          }
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          el.removeAttribute("aria-busy");
          if (status) status.textContent = el.dataset.msgError || "The reports could not be loaded.";
        });
    }

    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
    load();
  });
})();
