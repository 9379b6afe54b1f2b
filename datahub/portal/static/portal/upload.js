/* Bestanden aanleveren: choose or drop a file, fill the fields from its name, upload it in
   resumable chunks with a progress bar, then submit the fields. Without this script the form
   still works: it posts the file in one request.

   Messages go to two live regions that are in the page from the start, so that screen readers
   announce what arrives in them: #upload-message (role=alert: what went wrong) and #upload-status
   (role=status: the result of Controleren, the successful delivery). Texts the script writes
   itself come translated from the form's data-message-* attributes. */
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("file-input");
  const dropzone = document.getElementById("dropzone");
  const chosen = document.getElementById("chosen-file");
  const progress = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const barText = document.getElementById("progress-text");
  const alertRegion = document.getElementById("upload-message");
  const statusRegion = document.getElementById("upload-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const RETRIES = 5;
  let file = null;
  let busy = false;
  let delivered = false;

  function fields() { return document.getElementById("fields"); }

  /* An error whose message is meant for the person (translated by the server or the page). */
  function Problem(message, permanent) {
    const error = new Error(message);
    error.forPerson = true;
    error.permanent = Boolean(permanent);
    return error;
  }

  function clearMessages() {
    alertRegion.replaceChildren();
    statusRegion.replaceChildren();
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function showError(text) {
    statusRegion.replaceChildren();
    alertRegion.replaceChildren(paragraph(text, "message message--error"));
  }

  /* After the fields were replaced: announce their problems, or that every field passed the
     checks. Problems of the file as a whole are shown here, next to the buttons; those of a field
     are shown next to the field (and described by it), so here they are only read out. */
  function announceFields() {
    const box = fields();
    if (!box) return;
    const shown = [];
    const read = [];
    const general = box.querySelector("#fields-problems");
    if (general) {
      general.querySelectorAll("li").forEach(function (li) {
        shown.push(paragraph(li.textContent, "message message--error"));
      });
      general.hidden = true;
    }
    box.querySelectorAll(".field-row--error").forEach(function (row) {
      const label = row.querySelector("label");
      const problems = Array.from(row.querySelectorAll(".errorlist li"), function (li) {
        return li.textContent;
      });
      const text = (label ? label.textContent + ": " : "") + problems.join(" ");
      read.push(paragraph(text, "visually-hidden"));
    });
    if (shown.length || read.length) {
      statusRegion.replaceChildren();
      alertRegion.replaceChildren.apply(alertRegion, shown.concat(read));
    } else if (box.querySelector(".field-row--ok")) {
      alertRegion.replaceChildren();
      statusRegion.replaceChildren(paragraph(form.dataset.messageCorrect, "visually-hidden"));
    }
  }

  function choose(selected) {
    if (!selected || delivered) return;
    file = selected;
    clearMessages();
    chosen.textContent = selected.name + " (" + Math.ceil(selected.size / 1024) + " kB)";
    const data = new FormData(form);
    data.set("file_name", selected.name);
    data.delete("file");
    fetch(form.dataset.fieldsUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf } })
      .then(function (r) {
        if (!r.ok) throw Problem(form.dataset.messageFailed);
        return r.text();
      })
      .then(function (html) { swap(html); })
      .catch(function (error) {
        showError(error.forPerson ? error.message : form.dataset.messageNetwork);
      });
  }

  function swap(html) {
    fields().outerHTML = html;
    if (window.htmx) window.htmx.process(fields());
  }

  input.addEventListener("change", function () { choose(input.files[0]); });
  ["dragenter", "dragover"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.add("dropzone--over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    dropzone.addEventListener(name, function () { dropzone.classList.remove("dropzone--over"); });
  });
  dropzone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer.files.length) choose(event.dataTransfer.files[0]);
  });

  // Controleren (htmx): a new result replaces the old message; then the result is announced.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "check-button") clearMessages();
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "fields") announceFields();
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt && event.detail.elt.id === "check-button") {
      showError(form.dataset.messageNetwork);
    }
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt && event.detail.elt.id === "check-button") {
      showError(form.dataset.messageFailed);
    }
  });

  function showProgress(sent) {
    const percent = file.size ? Math.floor((sent / file.size) * 100) : 100;
    progress.hidden = false;
    bar.value = percent;
    barText.textContent = percent + "%";
  }

  /* The JSON body of a response, or {} when it has none (e.g. an error page of a proxy). */
  function jsonOf(text) {
    try {
      const body = JSON.parse(text || "{}");
      return body && typeof body === "object" ? body : {};
    } catch (e) {
      return {};
    }
  }

  function sendChunk(url, offset, blob) {
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("X-Offset", String(offset));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) { showProgress(offset + e.loaded); };
      xhr.onload = function () {
        const body = jsonOf(xhr.responseText);
        if (xhr.status === 200) resolve(body.received);
        else if (xhr.status === 409 && typeof body.received === "number") resolve(body.received);
        else if (xhr.status >= 400 && xhr.status < 500 && typeof body.error === "string") {
          reject(Problem(body.error, true));  // refused by the portal: trying again won't help
        } else if (xhr.status === 503 && typeof body.error === "string") {
          reject(Problem(body.error));  // the hub's storage failed: try again, then say so
        } else reject(Problem(form.dataset.messageFailed));
      };
      xhr.onerror = function () { reject(Problem(form.dataset.messageNetwork)); };
      xhr.send(blob);
    });
  }

  async function uploadFile() {
    let start;
    try {
      start = await fetch(form.dataset.startUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
        body: JSON.stringify({ file_name: file.name, size: file.size }),
      });
    } catch (e) {
      throw Problem(form.dataset.messageNetwork);
    }
    const session = jsonOf(await start.text());
    if (!start.ok || !session.id) throw Problem(session.error || form.dataset.messageFailed);
    const url = form.dataset.chunkUrl.replace("00000000-0000-0000-0000-000000000000", session.id);
    let offset = 0;
    let failures = 0;
    while (offset < file.size) {
      try {
        offset = await sendChunk(url, offset, file.slice(offset, offset + session.chunk_bytes));
        failures = 0;
      } catch (error) {
        failures += 1;  // a broken connection: ask where to go on, and resume from there
        if (error.permanent || failures > RETRIES) throw error;
        await new Promise(function (r) { setTimeout(r, 1000 * failures); });
        try {
          const state = await fetch(url, { headers: { "X-CSRFToken": csrf } });
          const body = jsonOf(await state.text());
          if (state.ok && typeof body.received === "number") offset = body.received;
          else if (state.status === 404) throw Problem(body.error || form.dataset.messageFailed, true);
        } catch (lost) {
          if (lost.permanent) throw lost;
          // still no connection: the next attempt (if any) tries again from the same offset
        }
      }
    }
    return session.id;
  }

  /* The form's fields (not the file: that goes in chunks) with ``extra``, posted to ``url``. */
  async function postFields(url, extra) {
    const data = new FormData(form);
    data.delete("file");
    data.set("file_name", file.name);
    Object.keys(extra).forEach(function (name) { data.set(name, extra[name]); });
    try {
      return await fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": csrf } });
    } catch (e) {
      throw Problem(form.dataset.messageNetwork);
    }
  }

  /* Controleren before the upload: true when every field passes; otherwise the fields show their
     problems, as after Controleren, and nothing is uploaded (a refused field must not wait for a
     large file to arrive, nor leave a progress bar at 100 % for a file that was not delivered). */
  async function fieldsPass() {
    const response = await postFields(form.dataset.checkUrl, {});
    if (!response.ok) throw Problem(form.dataset.messageFailed);
    const html = await response.text();
    if (!/field-row--error|id="fields-problems"/.test(html)) return true;
    swap(html);
    announceFields();
    return false;
  }

  /* Delivered: the message takes the place of the fields, in the status region, and gets the
     focus (the buttons that had it are gone); nothing can be submitted a second time. */
  function showDelivered(html) {
    delivered = true;
    const actions = form.querySelector(".actions");
    actions.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    actions.hidden = true;
    dropzone.hidden = true;
    input.disabled = true;
    alertRegion.replaceChildren();
    const box = fields();
    if (box) box.remove();
    statusRegion.innerHTML = html;
    const message = document.getElementById("upload-success") || statusRegion;
    if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
    message.focus();
  }

  form.addEventListener("submit", async function (event) {
    if (delivered || busy) {  // delivered already, or still delivering: never a second time
      event.preventDefault();
      return;
    }
    if (!file || !window.fetch) return;  // no file chosen here: let the server say so
    event.preventDefault();
    busy = true;
    const button = document.getElementById("submit-button");
    button.disabled = true;
    clearMessages();
    try {
      if (!(await fieldsPass())) return;
      const id = await uploadFile();
      const response = await postFields(form.dataset.submitUrl, { upload_id: id });
      if (response.ok) {
        showDelivered(await response.text());
      } else if (response.status === 400) {
        swap(await response.text());  // the problems per field
        announceFields();
      } else {
        throw Problem(form.dataset.messageFailed);
      }
    } catch (error) {
      showError(error.forPerson ? error.message : form.dataset.messageFailed);
    } finally {
      busy = false;
      if (!delivered) {
        button.disabled = false;
        // a disabled button loses the focus: give it back rather than leave it on the page
        if (!document.activeElement || document.activeElement === document.body) button.focus();
      }
    }
  });

  /* The page came back from the server with problems (the form was posted whole, e.g. without a
     file): announce them and put the focus on the first field to fix, or on the file. */
  const returned = fields();
  if (returned && returned.querySelector("#fields-problems, .field-row--error")) {
    announceFields();
    const first = returned.querySelector("[aria-invalid=true]");
    (first || input).focus();
  }
})();
