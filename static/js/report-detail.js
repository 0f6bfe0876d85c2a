/* Report page: a small, still map centred on the report's pin. */
(function () {
  "use strict";
  window.addEventListener("map:init", function (event) {
    if (event.detail.id !== "report-map") return;
    var map = event.detail.map;
    var el = map.getContainer();
    var position = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    map.scrollWheelZoom.disable();
    map.setView(position, 17, { animate: false });
    var marker = L.marker(position, {
      title: el.dataset.title,
      alt: el.dataset.title,
      keyboard: false,
      icon: L.divIcon({ className: "pin pin--here", html: "<span></span>",
                        iconSize: [26, 34], iconAnchor: [13, 34] })
    }).addTo(map);
    var icon = marker.getElement();
    if (icon) icon.setAttribute("aria-hidden", "true");
  });
})();
