// The composer (#composer): writing a message and sending it into the outbox (pending.js),
// with a reply, files and a directive if chosen; telling the room one is typing; counting
// down near the length limit; read-only in an archived room.

import { entersSend } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { newClientId } from "../lib/outbox.js";
import { renderFiles } from "./attachments.js";
import { saveDraft, saveDraftSoon } from "./drafts.js";
import { showError } from "./errors.js";
import { mentionKey, updateMentionMenu } from "./mentions.js";
import { queue } from "./pending.js";
import { cancelReply } from "./reply.js";
import { config, els, length, socket, state } from "./state.js";

// Near the limit the composer says how many characters remain, and over it how many too
// many; a message over the limit is not sent (nothing is cut: the text stays to shorten).
const COUNT_FROM = Math.min(1000, Math.floor(config.maxChars / 10));
let lastTyping = 0;

export function updateCount() {
  const left = config.maxChars - length(els.body.value);
  const over = left < 0;
  els.count.hidden = left >= COUNT_FROM;
  els.count.textContent = over ? t("messages.charsOver", { count: -left, max: config.maxChars })
    : t("messages.charsLeft", { count: left });
  els.count.classList.toggle("error", over);
  if (over) els.body.setAttribute("aria-invalid", "true");
  else els.body.removeAttribute("aria-invalid");
  if (!over && els.error.dataset.kind === "length") showError("");
}

export function setComposerArchived(archived) {
  for (const control of els.composer.querySelectorAll("textarea, button, input, select")) control.disabled = archived;
  document.getElementById("archived-notice").hidden = !archived;
}

function submitMessage() {
  const body = els.body.value;
  if (!state.room || (!body.trim() && !state.pendingFiles.length)) return;
  if (length(body) > config.maxChars) {
    showError(t("messages.tooLong", { count: length(body) - config.maxChars, max: config.maxChars }), "length");
    els.body.focus();
    return;
  }
  const item = { room: state.room, body, client_id: newClientId(), created: Date.now() };
  if (state.replyTo) item.reply_to = state.replyTo.id;
  if (state.pendingFiles.length) {
    item.attachments = state.pendingFiles.map((f) => f.id);
    item.files = state.pendingFiles.map((f) => ({ id: f.id, name: f.name }));
  }
  if (els.directiveAck && els.directiveAck.value) {
    item.directive = { ack_by: els.directiveAck.value };
    if (els.directiveDue.value) item.directive.due = els.directiveDue.value;
    els.directiveAck.value = "";
    els.directiveDue.value = "";
  }
  showError("");
  els.body.value = "";
  saveDraft();
  state.pendingFiles = [];
  renderFiles();
  cancelReply();
  queue(item);
}

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submitMessage();
});

els.body.addEventListener("keydown", (event) => {
  if (mentionKey(event)) return;
  if (entersSend(event)) {
    event.preventDefault();
    submitMessage();
  }
});

els.body.addEventListener("input", () => {
  const now = Date.now();
  if (now - lastTyping > 2000 && els.body.value.trim()) {
    lastTyping = now;
    socket.send({ type: "typing", room: state.room });
  }
  updateMentionMenu();
  updateCount();
  saveDraftSoon();
});
