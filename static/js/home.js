/* Home page: "Show on the map" from the place search centres the map without a page load,
   and "Report here" carries the map's centre to the new-report form once the map is close
   enough to mean a place. */
(function () {
  "use strict";
  var reportHere = document.getElementById("report-here");
  var PLACE_ZOOM = 16;

  civicMap.onReady("home-map", function (map) {
    function update() {
      if (!reportHere) return;
      var base = reportHere.dataset.newUrl;
      if (map.getZoom() < PLACE_ZOOM) { reportHere.href = base; return; }
      var c = map.getCenter();
      reportHere.href = base + "?pin=" + c.lat.toFixed(6) + "," + c.lng.toFixed(6);
    }
    map.on("moveend", update);
    update();

    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-centre-lat]");
      if (!link) return;
      event.preventDefault();
      map.setView([parseFloat(link.dataset.centreLat), parseFloat(link.dataset.centreLon)], 17);
      document.getElementById("home-map").scrollIntoView({ block: "center" });
    });
  });
})();
