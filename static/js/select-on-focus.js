/* Fields marked data-select-on-focus select their whole text when focused (a key to copy). */
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });
})();
