/* Bestanden aanleveren: choose or drop a file, fill the fields from its name, upload it in
   resumable chunks with a progress bar, then submit the fields. Without this script the form
   still works: it posts the file in one request. */
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
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let file = null;

  function fields() { return document.getElementById("fields"); }

  function choose(selected) {
    if (!selected) return;
    file = selected;
    chosen.textContent = selected.name + " (" + Math.ceil(selected.size / 1024) + " kB)";
    const data = new FormData(form);
    data.set("file_name", selected.name);
    data.delete("file");
    fetch(form.dataset.fieldsUrl, { method: "POST", body: data, headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.text(); })
      .then(function (html) { swap(html); });
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

  function showProgress(sent) {
    const percent = file.size ? Math.floor((sent / file.size) * 100) : 100;
    progress.hidden = false;
    bar.value = percent;
    barText.textContent = percent + "%";
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
        const body = JSON.parse(xhr.responseText || "{}");
        if (xhr.status === 200) resolve(body.received);
        else if (xhr.status === 409 && typeof body.received === "number") resolve(body.received);
        else reject(new Error(body.error || xhr.statusText));
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.send(blob);
    });
  }

  async function uploadFile() {
    const start = await fetch(form.dataset.startUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
      body: JSON.stringify({ file_name: file.name, size: file.size }),
    });
    const session = await start.json();
    if (!start.ok) throw new Error(session.error);
    const url = form.dataset.chunkUrl.replace("00000000-0000-0000-0000-000000000000", session.id);
    let offset = 0;
    let failures = 0;
    while (offset < file.size) {
      try {
        offset = await sendChunk(url, offset, file.slice(offset, offset + session.chunk_bytes));
        failures = 0;
      } catch (error) {
        failures += 1;  // a broken connection: ask where to go on, and resume from there
        if (failures > 5) throw error;
        await new Promise(function (r) { setTimeout(r, 1000 * failures); });
        const state = await fetch(url, { headers: { "X-CSRFToken": csrf } });
        offset = (await state.json()).received;
      }
    }
    return session.id;
  }

  form.addEventListener("submit", async function (event) {
    if (!file || !window.fetch) return;  // no file chosen here: let the server say so
    event.preventDefault();
    const button = document.getElementById("submit-button");
    button.disabled = true;
    try {
      const id = await uploadFile();
      const data = new FormData(form);
      data.delete("file");
      data.set("file_name", file.name);
      data.set("upload_id", id);
      const response = await fetch(form.dataset.submitUrl, {
        method: "POST", body: data, headers: { "X-CSRFToken": csrf },
      });
      swap(await response.text());
      if (response.ok) {
        document.querySelector(".actions").hidden = true;
        document.getElementById("dropzone").hidden = true;
      }
    } catch (error) {
      barText.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
})();
