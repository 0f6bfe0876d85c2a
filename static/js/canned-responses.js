/* Canned responses on the staff forms (report page, queue): one click puts a ready-made
   answer in the public note, where it can be edited before sending; the list follows the
   chosen status. Without JavaScript the form's "Ready-made answer" select does the job,
   so this script hides it (and clears it: the note is what is sent). */
(function () {
  "use strict";

  function chosenState(box) {
    var select = document.getElementById(box.dataset.cannedState);
    return select ? select.value : "";
  }

  function filter(box) {
    var state = chosenState(box);
    Array.prototype.forEach.call(box.querySelectorAll("[data-canned-for]"), function (item) {
      var forState = item.dataset.cannedFor;
      item.hidden = Boolean(state && forState && forState !== state);
    });
  }

  function setUp(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-canned]"), function (box) {
      box.hidden = false;
      var form = box.closest("form");
      var fallback = form && form.querySelector("[data-canned-select]");
      if (fallback) {
        fallback.hidden = true;
        var select = fallback.querySelector("select");
        if (select) select.value = "";
      }
      filter(box);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-canned-text]");
    if (!button) return;
    var box = button.closest("[data-canned]");
    var note = box && document.getElementById(box.dataset.cannedNote);
    if (!note) return;
    var text = button.dataset.cannedText;
    note.value = note.value.trim() ? note.value.replace(/\s+$/, "") + "\n\n" + text : text;
    note.focus();
    note.setSelectionRange(note.value.length, note.value.length);
    note.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("change", function (event) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-canned]"), function (box) {
      if (event.target.id === box.dataset.cannedState) filter(box);
    });
  });

  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
