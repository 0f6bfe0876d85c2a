/* Every map on the site: Leaflet (static/vendor/leaflet) driven from markup, never inline JS.

   Markup: <div id="some-map" data-map
                data-map-center="51.5,-0.12"   (optional; default: the site's centre)
                data-map-zoom="16"             (optional; default: the site's zoom)
                data-map-fit="west,south,east,north"  (optional; fits these bounds instead)
                data-map-scroll-zoom="false"   (optional; no zoom by the mouse wheel)>
   Template: {% load maps %} {% map_css %} in the head, {% map_js %} before the page's script.
   The tiles URL, attribution, centre and zoom come from the "map-config" JSON element.

   A page script gets its map with
     civicMap.onReady("some-map", function (map, element) { ... });
   (called at once if the map exists already, else as soon as it is created), or every map
   of the page with civicMap.onEach(function (map, element) { ... }).
   A "map:init" event ({detail: {id, map}}) is also dispatched on window.
   civicMap.pin("pin pin--here") is the site's pin as a Leaflet icon, and every marker's
   icon unless it is given another. */
(function () {
  "use strict";
  var config = null;
  var maps = {};
  var byId = {};
  var everyMap = [];

  function readConfig() {
    if (!config) {
      var el = document.getElementById("map-config");
      config = el ? JSON.parse(el.textContent) : {};
    }
    return config;
  }

  function numbers(text) {
    return text.split(",").map(function (n) { return parseFloat(n); });
  }

  function create(el) {
    if (maps[el.id]) return maps[el.id];
    var c = readConfig();
    var d = el.dataset;
    var map = L.map(el, {
      minZoom: c.minZoom,
      maxZoom: c.maxZoom,
      scrollWheelZoom: d.mapScrollZoom !== "false"
    });
    L.tileLayer(c.tilesUrl, {
      attribution: c.attribution,
      minZoom: c.minZoom,
      maxZoom: c.maxZoom
    }).addTo(map);
    if (d.mapFit) {
      var b = numbers(d.mapFit); // west, south, east, north
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    } else {
      var center = d.mapCenter ? numbers(d.mapCenter) : c.center;
      map.setView(center, d.mapZoom ? parseInt(d.mapZoom, 10) : c.zoom, { animate: false });
    }
    maps[el.id] = map;
    (byId[el.id] || []).forEach(function (callback) { callback(map, el); });
    delete byId[el.id];
    everyMap.forEach(function (callback) { callback(map, el); });
    window.dispatchEvent(new CustomEvent("map:init", { detail: { id: el.id, map: map } }));
    return map;
  }

  // The site's pin (css: .pin), its classes saying what it marks ("pin pin--here").
  function pin(classes) {
    return L.divIcon({ className: classes || "pin", html: "<span></span>",
                       iconSize: [26, 34], iconAnchor: [13, 34], popupAnchor: [0, -30] });
  }

  // A marker made without an icon of its own wears it too. Leaflet's default is an image
  // it looks for beside the page, where the hashed static files never are (a broken
  // picture on the topics map, the topic page and the volunteers' maps).
  L.Marker.prototype.options.icon = pin();

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), create);
  }

  window.civicMap = {
    config: readConfig,
    create: create,
    pin: pin,
    get: function (id) { return maps[id] || null; },
    onReady: function (id, callback) {
      if (maps[id]) callback(maps[id], maps[id].getContainer());
      else (byId[id] = byId[id] || []).push(callback);
    },
    onEach: function (callback) {
      Object.keys(maps).forEach(function (id) { callback(maps[id], maps[id].getContainer()); });
      everyMap.push(callback);
    }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
