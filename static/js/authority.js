/* The authority page's map: its boundary (the "authority-boundary" JSON element) drawn
   and fitted. Without JavaScript the page lists everything the map shows in words. */
(function () {
  "use strict";
  var data = document.getElementById("authority-boundary");
  if (!data || !window.civicMap) return;
  civicMap.onReady("authority-map", function (map) {
    var layer = L.geoJSON(JSON.parse(data.textContent), {
      style: { weight: 2, fillOpacity: 0.08 },
      interactive: false
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { animate: false, padding: [8, 8] });
  });
})();
