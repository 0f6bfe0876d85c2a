/* Report page: a small, still map centred on the report's pin. */
(function () {
  "use strict";
  // The map's centre, zoom and "no wheel zoom" come from its data-map-* attributes.
  civicMap.onReady("report-map", function (map, el) {
    var position = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var marker = L.marker(position, {
      title: el.dataset.title,
      alt: el.dataset.title,
      keyboard: false,
      icon: civicMap.pin("pin pin--here")
    }).addTo(map);
    var icon = marker.getElement();
    if (icon) icon.setAttribute("aria-hidden", "true");
  });
})();

/* Staff panel: the "original report" field only matters for "Duplicate", so it shows
   only then (without JavaScript it is always there). After an htmx answer with errors,
   focus goes to the first field to correct. */
(function () {
  "use strict";
  function sync(form) {
    var state = form.querySelector("select[name=state]");
    var field = form.querySelector("[data-duplicate-field]");
    if (!state || !field) return;
    field.hidden = state.value !== "duplicate" && !field.querySelector("[aria-invalid]");
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "state" && event.target.form && event.target.form.id === "staff-form") {
      sync(event.target.form);
    }
  });
  document.addEventListener("htmx:load", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "staff-form") return;
    sync(form);
    var invalid = form.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
  var form = document.getElementById("staff-form");
  if (form) sync(form);
})();
