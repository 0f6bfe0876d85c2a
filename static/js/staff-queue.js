/* The staff queue: a "select all on this page" box for the bulk actions. Without
   JavaScript each row's box is ticked one by one. */
(function () {
  "use strict";
  var all = document.getElementById("queue-select-all");
  if (!all) return;
  var boxes = document.querySelectorAll("input[name='reports']");
  all.hidden = false;
  var label = document.querySelector("label[for='queue-select-all']");
  if (label) label.hidden = false;

  function sync() {
    var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; });
    all.checked = ticked.length === boxes.length && boxes.length > 0;
    all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
  }

  all.addEventListener("change", function () {
    Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
    sync();
  });
  Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", sync); });
  sync();
})();
