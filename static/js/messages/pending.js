// Nothing typed is lost: every message goes into the outbox (lib/outbox.js, shared by the
// official's tabs) until the server acknowledges it; it is sent on each socket once, again
// after a reconnect or a reload with the same client_id (which the server stores once).
// Waiting messages are shown at the end of the log; one the server refuses for good stays
// there, marked, to retry, edit or discard.

import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { createOutbox } from "../lib/outbox.js";
import { renderFiles } from "./attachments.js";
import { saveDraft } from "./drafts.js";
import { startReply } from "./reply.js";
import { toBottom } from "./scroll.js";
import { config, els, findMessage, socket, state, store } from "./state.js";

const outbox = createOutbox(store, { name: "outbox", onChange: refresh });
state.outbox = outbox.items();
let flushTimer = null;

function refresh() {
  state.outbox = outbox.items();
  renderOutbox();
}

// Rebuilt only when what it shows changes (the log is a live region: no repeats).
export function renderOutbox() {
  const items = state.outbox.filter((m) => m.room === state.room);
  const online = socket.isOpen();
  const shown = JSON.stringify([state.room, online, items.map((m) => [m.client_id, m.failed])]);
  if (shown === state.outboxShown && items.length === els.log.querySelectorAll(".msg--pending").length) return;
  state.outboxShown = shown;
  for (const node of els.log.querySelectorAll(".msg--pending")) node.remove();
  for (const item of items) {
    const status = item.failed
      ? el("span", { class: "error", text: `${t("messages.errorPrefix")} ${item.failed.message}` })
      : el("span", { class: "muted", text: online ? t("messages.sending") : t("messages.notSent") });
    const files = (item.files || []).map((f) => f.name).join(", ");
    const button = (text, onclick) => el("button", { type: "button", class: "linklike", text, onclick });
    els.log.append(el("article", { class: `msg msg--mine msg--pending${item.failed ? " msg--failed" : ""}`, "data-client-id": item.client_id },
      el("header", { class: "msg__head" }, el("strong", { text: `${config.name} (${t("messages.you")})` }), status),
      el("p", { class: "msg__body", text: item.body }),
      files ? el("p", { class: "muted", text: `${t("messages.attachment")}: ${files}` }) : null,
      item.failed ? el("div", { class: "msg__actions" },
        button(t("messages.retry"), () => retryItem(item.client_id)),
        button(t("messages.edit"), () => editItem(item.client_id)),
        button(t("messages.discard"), () => outbox.remove(item.client_id)),
      ) : null,
    ));
  }
}

function retryItem(clientId) {
  const item = state.outbox.find((m) => m.client_id === clientId);
  if (!item) return;
  const again = { ...item };
  delete again.failed;
  outbox.put(again);
  flushOutbox();
}

// Back into the composer (after what is there), files included; out of the outbox.
function editItem(clientId) {
  const item = state.outbox.find((m) => m.client_id === clientId);
  if (!item) return;
  els.body.value = els.body.value ? `${els.body.value}\n${item.body}` : item.body;
  state.pendingFiles.push(...(item.files || []));
  renderFiles();
  if (item.reply_to) startReply(findMessage(item.reply_to) || { id: item.reply_to, author: { name: "" }, body: "" });
  if (item.directive && els.directiveAck) {
    els.directiveAck.value = item.directive.ack_by;
    els.directiveDue.value = item.directive.due || "";
    els.directiveAck.closest("details").open = true;
  }
  saveDraft();
  outbox.remove(clientId);
  els.body.focus();
}

export function queue(item) {
  outbox.put(item);
  toBottom();
  flushOutbox();
}

// Each waiting message once per socket (until answered, or the socket closes).
export function flushOutbox() {
  state.outbox = outbox.items();
  for (const item of state.outbox) {
    if (item.failed || state.inFlight.has(item.client_id)) continue;
    const frame = { type: "send", room: item.room, body: item.body, client_id: item.client_id, ref: `send:${item.client_id}` };
    if (item.reply_to) frame.reply_to = item.reply_to;
    if (item.attachments && item.attachments.length) frame.attachments = item.attachments;
    if (item.directive) frame.directive = item.directive;
    if (!socket.send(frame)) return;
    state.inFlight.add(item.client_id);
  }
}

// The server has the message (its ack, or the message itself came back).
export function delivered(clientId, author) {
  if (author !== config.username || !clientId) return;
  state.inFlight.delete(clientId);
  if (state.outbox.some((m) => m.client_id === clientId) || outbox.items().some((m) => m.client_id === clientId)) {
    outbox.remove(clientId);
  }
}

// An error frame: true if it answered a message sent from the outbox. Refused for good (not
// a passing problem), the message stays, marked; a passing problem is retried, once for all.
export function sendRefused(frame) {
  if (!(typeof frame.ref === "string" && frame.ref.startsWith("send:"))) return false;
  const clientId = frame.ref.slice(5);
  const item = state.outbox.find((m) => m.client_id === clientId);
  state.inFlight.delete(clientId);
  if (item && !["unavailable", "rate_limited"].includes(frame.code)) {
    outbox.put({ ...item, failed: { code: frame.code, message: frame.message } });
    return true;
  }
  if (item) {
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flushOutbox, 2000);
    return true;
  }
  return false;
}

// The socket closed: nothing sent on it is in flight any more.
export function socketLost() {
  state.inFlight.clear();
  renderOutbox();
}
