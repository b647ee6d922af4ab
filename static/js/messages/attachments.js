// Files: chosen, pasted or dropped on the composer, uploaded at once (POST
// /api/v1/attachments) and sent with the next message (#pending-files); and the files a
// message carries, as it shows them (pictures as thumbnails).

import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { showError } from "./errors.js";
import { keepPinned } from "./scroll.js";
import { config, els, state } from "./state.js";

async function uploadFiles(files) {
  for (const file of files) {
    if (file.size > config.maxFileBytes) { showError(`${t("messages.uploadFailed")} ${file.name}`); continue; }
    const form = new FormData();
    form.append("file", file);
    try {
      const uploaded = await api("/api/v1/attachments", { method: "POST", body: form });
      state.pendingFiles.push(uploaded);
      renderFiles();
    } catch (error) {
      showError(`${t("messages.uploadFailed")} ${file.name}: ${error.message}`);
    }
  }
}

export function renderFiles() {
  const remove = t("messages.remove");
  els.files.replaceChildren(...state.pendingFiles.map((file) => el("li", { class: "chat-file" },
    el("span", { text: file.name }),
    el("button", { type: "button", class: "linklike", text: remove, "aria-label": `${remove} ${file.name}`,
      onclick: () => { state.pendingFiles = state.pendingFiles.filter((f) => f.id !== file.id); renderFiles(); } }),
  )));
}

// The files of a message, each a download link (a picture with its thumbnail).
export function fileList(attachments) {
  const list = el("ul", { class: "msg__files" });
  for (const file of attachments) {
    const link = el("a", { href: file.url, download: file.name },
      file.thumbnail_url
        ? el("img", { src: file.thumbnail_url, alt: "", class: "msg__thumb", loading: "lazy", onload: keepPinned })
        : el("span", { class: "file-kind", text: (file.name.split(".").pop() || "").toUpperCase() }),
      el("span", { class: "msg__file-name", text: ` ${file.name}` }),
    );
    list.append(el("li", { class: file.thumbnail_url ? "msg__file msg__file--image" : "msg__file" }, link,
      el("span", { class: "muted", text: ` ${Math.ceil(file.size / 1024)} KB` })));
  }
  return list;
}

els.file.addEventListener("change", () => { uploadFiles([...els.file.files]); els.file.value = ""; });
els.body.addEventListener("paste", (event) => {
  const files = [...(event.clipboardData?.files || [])];
  if (files.length) { event.preventDefault(); uploadFiles(files); }
});
els.composer.addEventListener("dragover", (event) => { event.preventDefault(); els.composer.classList.add("is-drop"); });
els.composer.addEventListener("dragleave", () => els.composer.classList.remove("is-drop"));
els.composer.addEventListener("drop", (event) => {
  event.preventDefault();
  els.composer.classList.remove("is-drop");
  uploadFiles([...event.dataTransfer.files]);
});
