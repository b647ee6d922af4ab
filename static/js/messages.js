// Rakor messages page: the conversation over the /ws/ socket (docs/protocol.md). This module
// starts the page and routes what the socket brings to the module that owns it; each module
// of messages/ has one job (docs/architecture.md, "The page scripts"), and they share the
// page's state (messages/state.js) and the library (lib/).

import { api } from "./lib/api.js";
import { t } from "./lib/i18n.js";
import { createCursor } from "./lib/resume.js";
import { editAnswered, editsLost } from "./messages/actions.js";
import { setComposerArchived, updateCount } from "./messages/composer.js";
import { markAcknowledged, renderTally, showDirectives } from "./messages/directives.js";
import { draftOf } from "./messages/drafts.js";
import { showError } from "./messages/errors.js";
import { delivered, flushOutbox, renderOutbox, sendRefused, socketLost } from "./messages/pending.js";
import { clearPresence, onPresence, onTyping, renderPresence, sendPresence } from "./messages/presence.js";
import { enableProposing } from "./messages/propose.js";
import { addRoom, refreshRooms, removeRoom, setUnread, updateRoom } from "./messages/rooms.js";
import { config, els, rooms, socket, state } from "./messages/state.js";
import { hideNewer, onJoined, onRoomEvent } from "./messages/timeline.js";
import "./messages/dialogs.js";
import "./messages/search.js";

enableProposing();

function setConnection(name) {
  els.connection.dataset.state = name;
  els.connection.textContent = t(`messages.${name}`);
}

function onAck(frame) {
  if (frame.client_id) delivered(frame.client_id, config.username);
  editAnswered(frame);
}

function onError(frame) {
  if (editAnswered(frame) || sendRefused(frame)) return;
  showError(`${t("messages.errorPrefix")} ${frame.message}`);
}

function handle(frame) {
  switch (frame.type) {
    case "message":
    case "message_edited":
    case "message_deleted":
      return onRoomEvent(frame);
    case "joined":
      return onJoined(frame);
    case "ack":
      return onAck(frame);
    case "error":
      return onError(frame);
    case "typing":
      return onTyping(frame);
    case "presence":
      return onPresence(frame);
    case "read_state":
      return setUnread(frame.room, 0, frame.seq);
    case "pong":
      return state.cursor?.pong(frame); // a trailing gap (an event missed): catch up
    case "room_added":
      addRoom(frame.room);
      return refreshRooms(); // its unread count
    case "room_updated":
      return updateRoom(frame.room);
    case "room_removed":
      return removeRoom(frame.room);
    case "directive_state":
      return renderTally(frame);
    case "acknowledged":
      markAcknowledged(frame.message);
      return showDirectives();
    default:
      return null; // notification, notifications_read: the bell (notifications.js) shows these
  }
}

async function openRoom(roomId) {
  state.room = roomId;
  state.frames = new Map();
  state.maxSeq = 0;
  state.awaiting = null;
  // With messages shown, each join catches up from the last one; else the server sends the
  // last 50, or those after a linked message's seq - 25.
  state.cursor = createCursor(socket, roomId, { from: state.jumpSeq ? Math.max(state.jumpSeq - 25, 0) : null });
  const room = rooms.get(roomId);
  els.title.textContent = room ? room.display_name || room.name : "";
  if (els.schedule) {
    els.schedule.href = `/meetings/new/?room=${roomId}`;
    els.schedule.hidden = false;
  }
  els.log.replaceChildren();
  setComposerArchived(Boolean(room && room.archived));
  els.body.value = draftOf(roomId);
  updateCount();
  hideNewer();
  try {
    const page = await api(`/api/v1/rooms/${roomId}/members`);
    state.members = page.items;
  } catch {
    state.members = [];
  }
  renderPresence(); // names for those already known to be here
  renderOutbox();
}

if (state.room) openRoom(state.room);
else els.composer.hidden = true;

socket.start({
  status: setConnection,
  open(again) {
    state.cursor?.join();
    flushOutbox();
    sendPresence();
    if (again) refreshRooms(); // unread counts of rooms changed meanwhile
  },
  frame: handle,
  close() {
    socketLost();
    state.cursor?.closed();
    editsLost();
    clearPresence();
  },
  signedOut: () => location.reload(), // signed out elsewhere
});
