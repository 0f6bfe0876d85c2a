/* Live discussion: place comments that arrive by the poll, tidy up after
   "show more", close inline forms, and say why an action was refused.
   Everything here is an enhancement: without it, every form still works. */
(function () {
  "use strict";

  function announce(section, text) {
    var status = section && section.querySelector(".discussion-status");
    if (status) status.textContent = text;
  }

  // Put one node from the poll where it belongs. Returns true if it is new.
  function place(node, section) {
    var pk = node.id.replace("node-", "");
    var incoming = node.querySelector("#comment-" + pk);
    var existing = document.getElementById("comment-" + pk);
    if (existing) {
      if (incoming && existing.getAttribute("data-version") !== incoming.getAttribute("data-version")) {
        existing.replaceWith(incoming);
        htmx.process(incoming);
      }
      return false;
    }
    var parent = node.getAttribute("data-parent");
    var list = parent ? document.getElementById("replies-" + parent) : section.querySelector("ol.comments");
    // A reply to a comment not on this page yet, or a top-level comment that
    // belongs after comments not loaded yet: it comes with "show more".
    if (!list || (!parent && list.querySelector(":scope > .show-more"))) return false;
    list.appendChild(node);
    htmx.process(node);
    return true;
  }

  function receive(poll) {
    var template = poll.querySelector("template.discussion-incoming");
    var section = poll.closest(".discussion");
    if (!template || !section) return;
    var added = 0;
    Array.prototype.slice.call(template.content.children).forEach(function (node) {
      if (place(node, section)) added += 1;
    });
    template.remove();
    var count = section.querySelector(".discussion-count");
    if (count && poll.dataset.countText) count.textContent = poll.dataset.countText;
    if (added === 1) announce(section, section.dataset.msgNewOne);
    else if (added > 1) announce(section, section.dataset.msgNewMany.replace("%(count)s", added));
  }

  // The poll asks only while the page is visible: a tab in the background costs nothing.
  // (A condition in hx-trigger would need eval, which the CSP forbids.)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (document.visibilityState !== "visible" && elt.classList && elt.classList.contains("discussion-poll")) {
      event.preventDefault();
    }
  });

  htmx.onLoad(function (elt) {
    if (!elt.matches) return;
    if (elt.matches(".discussion-poll")) receive(elt);
    // A node loaded twice (posted here, then loaded again by "show more" or
    // the poll): keep the newest copy.
    if (elt.matches("li.comment-node")) {
      document.querySelectorAll("#" + elt.id).forEach(function (other) {
        if (other !== elt) other.remove();
      });
    }
  });

  // "Cancel" in an inline form: close it and go back to the comment.
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-cancel]");
    var slot = cancel && cancel.closest(".comment-slot[id]");
    if (!slot) return;
    event.preventDefault();
    slot.innerHTML = "";
    var node = slot.closest(".comment-node");
    var link = node && node.querySelector(".comment-actions a");
    if (link) link.focus();
  });

  // A refused or failed action: show the server's sentence (403s are plain text).
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    if (elt.classList && elt.classList.contains("discussion-poll")) return;
    var section = elt.closest && elt.closest(".discussion");
    var xhr = event.detail.xhr;
    var isText = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
    announce(section, isText && xhr.responseText ? xhr.responseText : section && section.dataset.msgError);
  });
})();
