/* New-report page, offline: a report sent with no network is kept as a draft in this
   browser (IndexedDB, with its photos); several can wait. Back online, each can be sent
   (with a fresh CSRF token), opened in the form, or deleted. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var section = document.getElementById("drafts");
  if (!form || !section || !window.indexedDB || !window.fetch) return;
  var messages = JSON.parse(document.getElementById("new-report-messages").textContent);
  var list = document.getElementById("drafts-list");
  var status = document.getElementById("drafts-status");
  var formPath = new URL(form.action, location.href).pathname;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("civic-drafts", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("drafts", { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("drafts", mode);
        var result = work(tx.objectStore("drafts"));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function allDrafts() { return store("readonly", function (s) { return s.getAll(); }); }
  function saveDraft(draft) { return store("readwrite", function (s) { return s.add(draft); }); }
  function deleteDraft(id) { return store("readwrite", function (s) { return s.delete(id); }); }

  function button(text, name, handler) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button--secondary";
    b.textContent = text;
    b.dataset.draftAction = name;
    b.addEventListener("click", handler);
    return b;
  }

  function render() {
    return allDrafts().then(function (drafts) {
      list.textContent = "";
      section.hidden = drafts.length === 0;
      drafts.forEach(function (draft) {
        var item = document.createElement("li");
        item.className = "drafts__item";
        var name = document.createElement("span");
        name.className = "drafts__title";
        name.textContent = format(messages.draft_label, {
          title: draft.title || messages.untitled,
          photos: draft.files.length,
          when: new Date(draft.created).toLocaleString()
        });
        item.appendChild(name);
        var sendButton = button(messages.send, "send", function () { send(draft, item); });
        sendButton.disabled = !navigator.onLine;
        item.appendChild(sendButton);
        item.appendChild(button(messages.open_draft, "open", function () { load(draft); }));
        item.appendChild(button(messages.delete_draft, "delete", function () {
          deleteDraft(draft.id).then(render);
        }));
        list.appendChild(item);
      });
      if (drafts.length && navigator.onLine) {
        status.textContent = format(messages.drafts_waiting, { n: drafts.length });
      }
    });
  }

  function freshToken() {
    return fetch(formPath, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var match = html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/);
        if (!match) throw new Error("no token");
        return match[1];
      });
  }

  function send(draft, item) {
    status.textContent = messages.sending;
    return freshToken().then(function (token) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      draft.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
      draft.files.forEach(function (file) { data.append("photos", file, file.name); });
      return fetch(formPath, { method: "POST", body: data, credentials: "same-origin" });
    }).then(function (response) {
      var landed = new URL(response.url);
      if (!response.ok || landed.pathname === formPath) throw new Error("needs changes");
      return deleteDraft(draft.id).then(function () {
        return render().then(function () {
          status.textContent = "";
          var link = document.createElement("a");
          link.href = landed.pathname;
          link.textContent = format(messages.sent, { title: draft.title || messages.untitled });
          status.appendChild(link);
        });
      });
    }).catch(function (error) {
      status.textContent = error.message === "needs changes" ? messages.needs_changes
                                                             : messages.send_failed;
    });
  }

  // Back into the form, photos included, to correct and send it by hand.
  function load(draft) {
    draft.fields.forEach(function (pair) {
      var field = form.elements[pair[0]];
      if (!field) return;
      if (field.type === "checkbox") field.checked = true;
      else if (field instanceof RadioNodeList || field.type === "radio") {
        var radio = form.querySelector('[name="' + pair[0] + '"][value="' + CSS.escape(pair[1]) + '"]');
        if (radio) radio.checked = true;
      } else field.value = pair[1];
    });
    if (draft.files.length && window.DataTransfer) {
      var transfer = new DataTransfer();
      draft.files.forEach(function (file) { transfer.items.add(file); });
      form.elements.photos.files = transfer.files;
    }
    deleteDraft(draft.id).then(render);
    form.elements.title.focus();
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.name) {  // "Find this address" and the other steps
      status.textContent = messages.offline_step;
      section.hidden = false;
      return;
    }
    var fields = [];
    var files = [];
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken") return;
      if (value instanceof File) { if (value.size) files.push(value); }
      else fields.push([key, value]);
    });
    saveDraft({ created: Date.now(), title: form.elements.title.value, fields: fields, files: files })
      .then(function () {
        form.reset();
        return render();
      })
      .then(function () {
        section.hidden = false;
        status.textContent = messages.offline_saved;
        section.scrollIntoView({ block: "start" });
      });
  });

  window.addEventListener("online", function () {
    render().then(function () {
      if (!section.hidden) status.textContent = messages.back_online;
    });
  });
  window.addEventListener("offline", render);
  render();
})();
