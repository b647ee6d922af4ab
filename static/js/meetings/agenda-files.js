// An agenda item's documents to read ahead: links to download them (whoever sees the
// meeting), and for those who edit the agenda a button to attach a file (checked on the
// server as message attachments are) and one to remove each. The item's new state comes
// back over the socket (agenda_item), so every page shows the same list.

import { api, errorText } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

function size(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

// say(text): where to tell what happened (the agenda's status line).
export function documentsNode(item, { editable, say }) {
  const list = el("ul", { class: "agenda__documents" }, ...item.documents.map((doc) => el("li", {},
    el("a", { href: doc.url, text: doc.name }), ` (${size(doc.size)})`,
    editable ? el("button", { type: "button", class: "linklike", text: t("agenda.removeDocument"),
      "aria-label": t("agenda.removeNamed", { name: doc.name }),
      onclick: async () => {
        try { await api(doc.url, { method: "DELETE" }); } catch (error) { say(`${t("agenda.failed")} ${errorText(error)}`); }
      } }) : null)));
  if (!editable) return item.documents.length ? list : null;
  const input = el("input", { type: "file", class: "agenda__file", id: `agenda-file-${item.id}`,
    "aria-label": t("agenda.attach") });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    say(t("agenda.uploading", { name: file.name }));
    try {
      await api(`/api/v1/agenda-items/${item.id}/documents`, { method: "POST", body });
      say(t("agenda.attached", { name: file.name }));
    } catch (error) {
      say(`${t("agenda.failed")} ${errorText(error)}`);
    }
    input.value = "";
  });
  return el("div", {}, list, input, el("label", { class: "button button--small agenda__attach", for: input.id, text: t("agenda.attach") }));
}
