// The room list (#room-list): rooms added, renamed, archived or removed while the page is
// open (room_added, room_updated, room_removed; fetched again after a reconnect), each with
// its unread count; the filter above it; marking the open room read; and, on a phone, the way
// back to the list.

import { api } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { setComposerArchived } from "./composer.js";
import { config, els, rooms, socket, state, store } from "./state.js";

let readTimer = null;

const linkOf = (roomId) => els.roomList.querySelector(`a[data-room="${roomId}"]`);
const archivedTag = () => el("span", { class: "tag tag--muted room-archived", text: t("messages.archived") });

// A room this official was just added to (room_added), or found on reconnect.
export function addRoom(room) {
  if (rooms.has(room.id)) return;
  rooms.set(room.id, { ...room, unread: room.unread || 0 });
  const section = els.roomList.querySelector(`.chat-rooms__section[data-kind="${room.kind}"]`);
  if (!section) return;
  section.hidden = false;
  $("#no-rooms")?.remove();
  const link = el("a", { href: `/messages/${room.id}`, "data-room": room.id, class: "chat-room-link" },
    el("span", { class: "chat-room-link__name", text: room.display_name || room.name || t("messages.directConversation") }),
    room.classification && room.classification !== "biasa" ? el("span", { class: "tag tag--muted", text: room.classification }) : null,
    room.archived ? archivedTag() : null,
    el("span", { class: "badge", hidden: !room.unread }, String(room.unread || 0),
      el("span", { class: "visually-hidden", text: ` ${t("messages.unread")}` })),
  );
  $(".chat-rooms__list", section).prepend(el("li", {}, link));
}

// Renamed, archived or brought back (room_updated, or the list fetched on reconnect).
export function updateRoom(changed) {
  const room = rooms.get(changed.id);
  if (!room) return;
  Object.assign(room, changed);
  const link = linkOf(changed.id);
  if (link) {
    if (changed.name) $(".chat-room-link__name", link).textContent = changed.name;
    const tag = $(".room-archived", link);
    if (changed.archived && !tag) $(".badge", link).before(archivedTag());
    if (!changed.archived && tag) tag.remove();
  }
  if (changed.id === state.room) {
    if (changed.name) els.title.textContent = changed.name;
    setComposerArchived(Boolean(changed.archived));
  }
}

export function removeRoom(roomId) {
  if (roomId === state.room) location.assign("/messages/");
  else linkOf(roomId)?.parentElement.remove();
  rooms.delete(roomId);
}

// After a reconnect (or a room added): the unread counts of rooms changed meanwhile.
export async function refreshRooms() {
  const page = await api("/api/v1/rooms").catch(() => null);
  if (!page) return;
  for (const room of page.items) {
    if (!rooms.has(room.id)) addRoom(room);
    else if (room.id !== state.room) setUnread(room.id, room.unread || 0, room.last_read_seq);
    if (room.archived !== rooms.get(room.id)?.archived) {
      updateRoom({ id: room.id, archived: room.archived, name: room.kind === "direct" ? "" : room.name });
    }
  }
}

export function setUnread(roomId, count, readSeq) {
  const room = rooms.get(roomId);
  if (!room) return;
  room.unread = count;
  if (readSeq !== undefined) room.last_read_seq = readSeq;
  const badge = els.roomList.querySelector(`a[data-room="${roomId}"] .badge`);
  if (badge) {
    badge.hidden = !count;
    badge.firstChild.textContent = String(count);
  }
}

// A room event: its seq is remembered (across reloads); a new message in another room counts
// as unread there. True if the event is the open room's, for the timeline to show.
export function roomEventArrived(frame) {
  const room = rooms.get(frame.room);
  if (room) room.head = Math.max(room.head || 0, frame.seq);
  const seen = state.lastSeq[frame.room] || 0;
  if (frame.seq > seen) {
    state.lastSeq[frame.room] = frame.seq;
    store.set("lastSeq", state.lastSeq);
  }
  if (frame.room === state.room) return true;
  if (frame.type === "message" && frame.author.username !== config.username && frame.seq > seen) {
    setUnread(frame.room, (room?.unread || 0) + 1);
  }
  return false;
}

// Debounced; recorded as read only once the frame went out (else retried on reconnect).
export function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!state.room || !state.cursor.head || document.hidden) return;
    const seq = state.cursor.head;
    const room = rooms.get(state.room);
    // last_read_seq moves when the server answers (read_state), so a frame lost with a dead
    // socket is sent again after reconnecting.
    if (room && (room.last_read_seq || 0) < seq) socket.send({ type: "read", room: state.room, seq });
    setUnread(state.room, 0);
  }, 300);
}
document.addEventListener("visibilitychange", () => { if (!document.hidden) markRead(); });

els.roomFilter.addEventListener("input", () => {
  const q = els.roomFilter.value.toLowerCase();
  for (const link of els.roomList.querySelectorAll("a[data-room]")) {
    link.parentElement.hidden = !link.textContent.toLowerCase().includes(q);
  }
});

document.getElementById("chat-back").addEventListener("click", (event) => {
  event.preventDefault();
  els.chat.classList.remove("chat--room-open");
});
