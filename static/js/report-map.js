/* Home page, report list and new-report map: markers from the bbox-filtered GeoJSON, reloaded
   as the map moves. The map element carries data-geojson-url (with the list's filters) and
   data-status (an aria-live element's id).

   The GeoJSON is compact (reports/views.py report_geojson): a marker has its id, title and
   state; labels and URL patterns come once with the collection; the rest of a report (its
   category, address) is fetched from the Open311 detail when its popup opens. Where the
   bounds hold too many reports the features are clusters ({count, open}); selecting one
   zooms in. */
(function () {
  "use strict";

  function fill(pattern, id) { return pattern.replace("{id}", String(id)); }

  function pinClass(feature, data) {
    var state = feature.properties.state;
    if (feature.properties.overdue) return "pin pin--open pin--overdue";
    if (data.open_states.indexOf(state) !== -1) return "pin pin--open";
    if (state === "fixed") return "pin pin--fixed";
    return "pin pin--closed";
  }

  function popupContent(feature, data) {
    var p = feature.properties;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = fill(data.report_url, feature.id);
    link.textContent = p.title;
    link.className = "popup__title";
    var meta = document.createElement("p");
    meta.className = "popup__meta";
    meta.textContent = data.states[p.state] || p.state;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  // Details on demand: the category (and address) from the API, once per marker.
  function loadDetails(marker, feature, data) {
    if (marker._civicDetails) return;
    marker._civicDetails = true;
    fetch(fill(data.detail_url, feature.id), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) {
        var row = rows[0];
        var meta = marker.getPopup().getElement() &&
          marker.getPopup().getElement().querySelector(".popup__meta");
        if (!row || !meta) return;
        var parts = [row.service_name, data.states[feature.properties.state] || ""];
        if (row.address) parts.push(row.address);
        meta.textContent = parts.filter(Boolean).join(" · ");
      })
      .catch(function () { marker._civicDetails = false; });
  }

  function clampedBbox(map) {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    if (west >= east) { west = -180; east = 180; }
    return [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
  }

  function markerFor(feature, data, overdueWord) {
    var c = feature.geometry.coordinates;
    var state = data.states[feature.properties.state] || "";
    // The word comes translated from the map's legend.
    if (feature.properties.overdue && overdueWord) state += ", " + overdueWord;
    var label = feature.properties.title + " (" + state + ")";
    var marker = L.marker([c[1], c[0]], {
      icon: civicMap.pin(pinClass(feature, data)),
      title: label,
      keyboard: true,
      riseOnHover: true
    });
    marker.bindPopup(popupContent(feature, data));
    marker.on("popupopen", function () { loadDetails(marker, feature, data); });
    marker._civicLabel = label;
    return marker;
  }

  function clusterFor(feature, data, map) {
    var c = feature.geometry.coordinates;
    var n = feature.properties.count;
    var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 52;
    var label = (data.cluster_label || "{n} reports here; select to zoom in").replace("{n}", n);
    var marker = L.marker([c[1], c[0]], {
      icon: L.divIcon({ className: "cluster" + (feature.properties.open ? "" : " cluster--closed"),
                        html: "<span>" + n + "</span>",
                        iconSize: [size, size], iconAnchor: [size / 2, size / 2] }),
      title: label,
      keyboard: true
    });
    marker.on("click", function () {
      map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
    marker._civicLabel = label;
    return marker;
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
            var marker = data.clustered ? clusterFor(feature, data, map) : markerFor(feature, data, overdueWord);
            marker.addTo(layer);
            var icon = marker.getElement();
            if (icon) {
              icon.setAttribute("aria-label", marker._civicLabel);
              if (feature.id !== undefined) icon.dataset.reportId = feature.id;
            }
          });
          el.dataset.markerCount = String(data.features.length);
          el.removeAttribute("aria-busy");
          if (status) {
            var n = data.total;
            status.textContent = data.capped
              ? (el.dataset.msgCapped || "Showing the newest {n} reports here. Zoom in to see all of them.").replace("{n}", data.features.length)
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
