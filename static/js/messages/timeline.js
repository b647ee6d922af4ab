// The open room's timeline in the log (#log): room events in seq order, each once (new
// messages at the end, edits and deletions in place); the catch-up after each join, and the
// message a link pointed to; older history loaded over HTTP when scrolling up; and, for
// someone reading older history, a marker for the messages that arrived below.

import { api } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { showDirectives } from "./directives.js";
import { messageNode } from "./message.js";
import { delivered, renderOutbox } from "./pending.js";
import { typingDone } from "./presence.js";
import { markRead, roomEventArrived } from "./rooms.js";
import { nearBottom, toBottom } from "./scroll.js";
import { config, els, findMessage, state } from "./state.js";

// message, message_edited, message_deleted: for the room list, and in the open room shown.
export function onRoomEvent(frame) {
  if (!roomEventArrived(frame)) return;
  if (!state.cursor.take(frame)) return; // de-duplicated by seq
  state.frames.set(frame.seq, frame);
  if (frame.type === "message" && frame.directive && state.cursor.isJoined) showDirectives();
  if (frame.type === "message") {
    delivered(frame.client_id, frame.author.username);
    typingDone(frame.author.username);
    renderMessage(frame);
  } else {
    changeMessage(frame);
  }
  if (!document.hidden) markRead();
}

// An edit or a deletion: the message shown takes its new form (an edit open on it stays).
function changeMessage(frame) {
  const target = document.getElementById(`message-${frame.id}`);
  const original = target && findMessage(frame.id);
  if (!original) return;
  if (frame.type === "message_deleted") Object.assign(original, { deleted: true, body: null, html: null, attachments: [] });
  else Object.assign(original, { body: frame.body, html: frame.html, edited_at: frame.edited_at });
  const editing = $(".msg__editor", target);
  if (!editing || frame.type === "message_deleted") target.replaceWith(messageNode(original));
  else if (frame.body !== null) $(".msg__body", target).innerHTML = frame.html || "";
}

export function onJoined(frame) {
  if (frame.room !== state.room) return;
  const first = !state.cursor.isJoined;
  state.cursor.joined(frame);
  if (!state.frames.size) {
    els.log.replaceChildren(el("p", { class: "empty", text: t("messages.noMessages") }));
  }
  const shown = [...state.frames.keys()];
  state.oldest = shown.length ? Math.min(...shown) : frame.head + 1;
  state.reachedStart = state.oldest <= 1;
  renderOutbox();
  if (state.jumpSeq) {
    const target = state.frames.get(state.jumpSeq);
    const node = target && document.getElementById(`message-${target.id}`);
    if (node) {
      node.classList.add("is-target");
      node.setAttribute("aria-label", t("messages.jumpedTo"));
      node.scrollIntoView({ block: "center" });
    }
    state.jumpSeq = null;
  } else if (first) {
    toBottom();
  }
  if (!document.hidden) markRead();
  showDirectives();
}

function renderMessage(frame) {
  const empty = $(".empty", els.log);
  if (empty) empty.remove();
  const atBottom = state.pinned || nearBottom();
  const node = messageNode(frame);
  if (frame.seq > state.maxSeq) { // the usual case: a new message at the end
    state.maxSeq = frame.seq;
    els.log.insertBefore(node, $(".msg--pending", els.log));
  } else { // older history, loaded when scrolling up
    const later = [...els.log.querySelectorAll("article.msg[data-seq]")].find((n) => Number(n.dataset.seq) > frame.seq);
    if (later) later.before(node);
    else els.log.insertBefore(node, $(".msg--pending", els.log));
  }
  if (atBottom || frame.author.username === config.username) toBottom();
  else if (frame.seq === state.maxSeq && state.cursor.isJoined) showNewer(node);
}

// Someone reading older history is not pulled down by new messages: a marker says how many
// arrived below (and a line shows where they begin); it goes once they are in view.
function showNewer(node) {
  if (!state.newerCount) {
    for (const line of els.log.querySelectorAll(".chat-new-line")) line.remove();
    node.before(el("div", { class: "chat-new-line", role: "separator", "aria-label": t("messages.newBelow") },
      el("span", { text: t("messages.newBelow") })));
  }
  state.newerCount = (state.newerCount || 0) + 1;
  els.newer.textContent = t(state.newerCount === 1 ? "messages.newOne" : "messages.newMany", { count: state.newerCount });
  els.newer.hidden = false;
}

export function hideNewer() {
  state.newerCount = 0;
  els.newer.hidden = true;
}

els.newer.addEventListener("click", () => {
  const line = $(".chat-new-line", els.log);
  if (line) line.scrollIntoView({ block: "start" });
  else toBottom();
  hideNewer();
});

els.log.addEventListener("scroll", () => {
  state.pinned = nearBottom();
  if (state.newerCount && state.pinned) hideNewer();
});

// Older history, 50 messages at a time, when the reader scrolls near the top.
els.log.addEventListener("scroll", async () => {
  if (els.log.scrollTop > 60 || state.loadingOlder || state.reachedStart || !state.room || !state.oldest) return;
  state.loadingOlder = true;
  const marker = el("p", { class: "muted chat-older", text: t("messages.olderLoading") });
  els.log.prepend(marker);
  const height = els.log.scrollHeight;
  try {
    const page = await api(`/api/v1/rooms/${state.room}/messages?before=${state.oldest}&limit=50`);
    for (const frame of page.items) {
      if (!state.cursor.take(frame)) continue;
      state.frames.set(frame.seq, frame);
      if (frame.type === "message") renderMessage(frame);
    }
    if (page.items.length) state.oldest = page.items[0].seq;
    state.reachedStart = !page.next;
  } finally {
    marker.remove();
    els.log.scrollTop = els.log.scrollHeight - height;
    state.loadingOlder = false;
  }
});
