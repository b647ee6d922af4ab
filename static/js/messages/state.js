// The messages page's state, in one place: the server's config for the page, the page's
// elements, the rooms listed, what the open room shows, and the one socket. The other modules
// read and change it here; each keeps to itself only its timers.

import { $ } from "../lib/dom.js";
import { createSocket } from "../lib/socket.js";
import { createStore } from "../lib/store.js";
import { createClock } from "../lib/time.js";

// {username, name, zone, zoneLabels, language, room, rooms, mayOrganise, maxChars,
// maxFileBytes}: messaging/views.py. The words are the "messages" catalogue (lib/i18n.js).
export const config = JSON.parse(document.getElementById("messages-config").textContent);

export const els = {
  chat: $("#chat"),
  log: $("#log"),
  title: $("#room-title"),
  schedule: $("#schedule-from-room"),
  presence: $("#room-presence"),
  connection: $("#connection"),
  typing: $("#typing"),
  composer: $("#composer"),
  body: $("#composer-body"),
  file: $("#composer-file"),
  files: $("#pending-files"),
  error: $("#composer-error"),
  count: $("#composer-count"),
  newer: $("#newer-messages"),
  replyPreview: $("#reply-preview"),
  mentionMenu: $("#mention-menu"),
  directives: $("#directives"),
  directiveAck: $("#directive-ack"),
  directiveDue: $("#directive-due"),
  roomList: $("#room-list"),
  roomFilter: $("#room-filter"),
  searchForm: $("#search-form"),
  searchQ: $("#search-q"),
  searchResults: $("#search-results"),
};

export const socket = createSocket({ ping: true });
export const store = createStore(config.username);
export const clock = createClock({ zone: config.zone, language: config.language, labels: config.zoneLabels });

// Characters as the server counts them (code points: an emoji is one).
export const length = (text) => [...text].length;

export const rooms = new Map(config.rooms.map((room) => [room.id, { ...room }]));

export const state = {
  room: config.room, // the open room's id
  cursor: null, // the open room's place in its timeline (lib/resume.js)
  frames: new Map(), // seq -> frame, for the open room
  oldest: null, // lowest seq shown (for older history)
  maxSeq: 0, // highest seq of a message shown in the open room
  loadingOlder: false,
  reachedStart: false,
  jumpSeq: Number(new URLSearchParams(location.search).get("seq")) || null,
  pinned: true, // the reader is at the newest message (scroll.js)
  newerCount: 0, // messages arrived below while reading older ones
  lastSeq: store.get("lastSeq", {}), // room -> highest seq seen, across reloads
  members: [], // of the open room, for mentions and presence
  typing: new Map(), // username -> timer: who is typing in the open room
  typingNames: new Map(), // username -> name
  here: new Map(), // username -> "online" | "away", in the open room
  outbox: [], // messages not acknowledged yet (pending.js)
  outboxShown: "", // what the log shows of them, to rebuild only on a change
  inFlight: new Set(), // client_ids sent on this socket and not answered yet
  pendingFiles: [], // {id, name} uploaded, not sent
  replyTo: null,
  mentionIndex: 0,
  edits: new Map(), // message id -> {done, fail}: an edit waiting for its ack
  acknowledged: new Set(), // directives this official (or their agency) acknowledged
  awaiting: null, // directives still waiting for this official, as of seq awaitingAt
  awaitingAt: 0,
};

// A message of the open room, by id, as last shown.
export function findMessage(id) {
  return [...state.frames.values()].find((f) => f.type === "message" && f.id === id);
}
