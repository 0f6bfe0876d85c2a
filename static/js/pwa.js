/* Installable app: register the service worker (served at the site root, see civic/pwa.py). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var script = document.getElementById("pwa-script");
  if (!script) return;
  navigator.serviceWorker.register(script.dataset.swUrl, { scope: "/" }).catch(function () {});
})();
