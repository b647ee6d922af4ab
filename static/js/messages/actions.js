// What can be done to a message shown: edit it in place (the author), delete it (the author
// or a room admin), copy a link to it. An edit waits for the server's answer (its ack, or an
// error with the same ref "edit:<id>") with the editor open.

import { $, el, entersSend } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { showError } from "./errors.js";
import { config, els, length, socket, state } from "./state.js";

// In place: the body becomes a text box with Save and Cancel (Escape cancels). It stays
// open until the server has the new text; a refusal leaves it open with the text.
export function editMessage(frame) {
  const node = document.getElementById(`message-${frame.id}`);
  const body = node && $(".msg__body", node);
  if (!body || $(".msg__editor", node)) return;
  const box = el("textarea", { class: "msg__editor", rows: 3, "aria-label": t("messages.editPrompt") });
  box.value = frame.body;
  const restore = () => {
    state.edits.delete(frame.id);
    form.remove();
    body.hidden = false;
    $(".edit-button", document.getElementById(`message-${frame.id}`) || node)?.focus();
  };
  const saveButton = el("button", { type: "button", class: "button button--small button--primary", text: t("messages.save") });
  const busy = (on) => { box.disabled = on; saveButton.disabled = on; };
  const save = () => {
    const text = box.value;
    if (!text.trim() || text === frame.body) { restore(); return; }
    if (length(text) > config.maxChars) {
      showError(t("messages.tooLong", { count: length(text) - config.maxChars, max: config.maxChars }), "length");
      box.focus();
      return;
    }
    if (!socket.send({ type: "edit", message: frame.id, body: text, ref: `edit:${frame.id}` })) {
      showError(`${t("messages.errorPrefix")} ${t("messages.notSent")}`);
      return;
    }
    busy(true);
    state.edits.set(frame.id, {
      done: restore,
      fail: (message) => {
        state.edits.delete(frame.id);
        busy(false);
        showError(`${t("messages.errorPrefix")} ${message}`);
        box.focus();
      },
    });
  };
  saveButton.addEventListener("click", save);
  const form = el("div", { class: "msg__edit" }, box, el("div", { class: "button-row" },
    saveButton, el("button", { type: "button", class: "button button--small", text: t("messages.cancel"), onclick: restore })));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") restore();
    if (entersSend(event)) { event.preventDefault(); save(); }
  });
  body.hidden = true;
  body.after(form);
  box.focus();
}

const editOf = (ref) => (typeof ref === "string" && ref.startsWith("edit:") ? state.edits.get(Number(ref.slice(5))) : undefined);

// The server's answer to a frame: true if it was about an edit waiting here.
export function editAnswered(frame) {
  const edit = editOf(frame.ref);
  if (!edit) return false;
  if (frame.type === "error") edit.fail(frame.message);
  else edit.done();
  return true;
}

// The socket closed: edits waiting for an answer will get none.
export function editsLost() {
  for (const edit of [...state.edits.values()]) edit.fail(t("messages.notSent"));
}

export function deleteMessage(frame) {
  if (window.confirm(t("messages.confirmDelete"))) socket.send({ type: "delete", message: frame.id });
}

export function copyLink(frame) {
  const url = `${location.origin}/messages/${frame.room}?seq=${frame.seq}`;
  navigator.clipboard?.writeText(url).then(() => showError(""), () => {});
  els.typing.textContent = t("messages.linkCopied");
}
