/* The area-alert form's map: a click chooses the point (around a point), or adds a
   corner (an area I draw); the chosen authority's boundary is drawn. The form's own
   fields hold the values, so the page works the same without this script. */
(function () {
  "use strict";
  var form = document.querySelector(".alert-form");
  if (!form || !window.civicMap) return;

  function field(name) { return form.querySelector("[name=" + name + "]"); }
  function kind() {
    var checked = form.querySelector("[name=kind]:checked");
    return checked ? checked.value : "radius";
  }

  // Show only the fields of the chosen kind (all of them stay in the page without script).
  function showKind() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-alert-kind]"), function (group) {
      group.hidden = group.dataset.alertKind !== kind();
    });
  }
  form.addEventListener("change", showKind);
  showKind();

  civicMap.onReady("alert-map", function (map, el) {
    var status = document.getElementById("alert-map-status");
    var clear = document.getElementById("alert-area-clear");
    var circle = null;
    var shape = null;
    var corners = [];
    var boundaryLayer = null;
    var boundariesEl = document.getElementById("authority-boundaries");
    var boundaries = boundariesEl ? JSON.parse(boundariesEl.textContent) : {};

    function drawCircle() {
      var lat = parseFloat(field("lat").value), lon = parseFloat(field("lon").value);
      var radius = parseInt(field("radius").value, 10) || 500;
      if (circle) { map.removeLayer(circle); circle = null; }
      if (isNaN(lat) || isNaN(lon) || kind() !== "radius") return;
      circle = L.circle([lat, lon], { radius: radius }).addTo(map);
      map.fitBounds(circle.getBounds(), { animate: false });
    }

    function readArea() {
      // "lat, lon" per line (the text fallback's format).
      corners = field("area").value.split(/[\n;]/).map(function (line) {
        var parts = line.split(/[\s,]+/).filter(Boolean).map(parseFloat);
        return parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1]) ? parts : null;
      }).filter(Boolean);
    }

    function drawArea() {
      if (shape) { map.removeLayer(shape); shape = null; }
      clear.hidden = kind() !== "polygon" || !corners.length;
      if (kind() !== "polygon" || !corners.length) return;
      shape = corners.length > 2 ? L.polygon(corners).addTo(map) : L.polyline(corners).addTo(map);
    }

    function writeArea() {
      field("area").value = corners.map(function (c) { return c[0].toFixed(6) + ", " + c[1].toFixed(6); }).join("\n");
    }

    function drawBoundary() {
      if (boundaryLayer) { map.removeLayer(boundaryLayer); boundaryLayer = null; }
      var chosen = field("authority").value;
      if (kind() !== "authority" || !boundaries[chosen]) return;
      boundaryLayer = L.geoJSON(boundaries[chosen], { style: { weight: 2, fillOpacity: 0.05 } }).addTo(map);
      map.fitBounds(boundaryLayer.getBounds(), { animate: false });
    }

    map.on("click", function (event) {
      var lat = event.latlng.lat, lon = event.latlng.lng;
      if (kind() === "radius") {
        field("lat").value = lat.toFixed(6);
        field("lon").value = lon.toFixed(6);
        drawCircle();
        status.textContent = el.dataset.msgPoint;
      } else if (kind() === "polygon") {
        corners.push([lat, lon]);
        writeArea();
        drawArea();
        status.textContent = el.dataset.msgCorner;
      }
    });

    clear.addEventListener("click", function () {
      corners = [];
      writeArea();
      drawArea();
    });

    form.addEventListener("change", function () {
      readArea();
      drawCircle();
      drawArea();
      drawBoundary();
    });
    readArea();
    drawCircle();
    drawArea();
    drawBoundary();
  });
})();
