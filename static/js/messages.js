// Rakor messages page: the conversation over the /ws/ socket (docs/protocol.md).
//
// Nothing typed is lost: every message goes into an outbox kept in localStorage until the
// server acknowledges it; after a reconnect (or a reload) the outbox is sent again with the
// same client_id, which the server stores once. Rooms are rejoined from the last seq seen, and
// frames are de-duplicated by seq.

import { api, errorText } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { format } from "./lib/i18n.js";
import { createPicker } from "./lib/picker.js";

const config = JSON.parse(document.getElementById("messages-config").textContent);
const T = config.text;

const els = {
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

// --- small helpers ------------------------------------------------------------------------

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Times in the official's zone, labelled WIB/WITA/WIT (else the UTC offset), like the server.
const timeFormat = new Intl.DateTimeFormat(config.language === "id" ? "id-ID" : "en-GB", {
  timeZone: config.zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});
function zoneLabel() {
  if (config.zoneLabels[config.zone]) return config.zoneLabels[config.zone];
  const part = new Intl.DateTimeFormat("en-US", { timeZone: config.zone, timeZoneName: "shortOffset" })
    .formatToParts(new Date()).find((p) => p.type === "timeZoneName");
  return part ? part.value.replace("GMT", "UTC") : "UTC";
}
const ZONE = zoneLabel();
function when(iso) {
  return `${timeFormat.format(new Date(iso))} ${ZONE}`;
}
// A calendar date (YYYY-MM-DD, as the API gives it) the way the official's language writes
// it: "5 Desember 2026", "5 December 2026".
const dateFormat = new Intl.DateTimeFormat(config.language === "id" ? "id-ID" : "en-GB", {
  timeZone: "UTC", day: "numeric", month: "long", year: "numeric",
});
function day(isoDate) {
  return dateFormat.format(new Date(`${isoDate}T00:00:00Z`));
}
function dueNode(isoDate, overdue) {
  return el("span", { class: overdue ? "tag tag--danger" : "muted" }, ` ${T.due} `,
    el("time", { datetime: isoDate, text: day(isoDate) }));
}
// Characters as the server counts them (code points: an emoji is one).
const length = (text) => [...text].length;

// --- state --------------------------------------------------------------------------------

const store = {
  key: (name) => `rakor.${config.username}.${name}`,
  get(name, fallback) {
    try { return JSON.parse(localStorage.getItem(this.key(name))) ?? fallback; } catch { return fallback; }
  },
  set(name, value) {
    try { localStorage.setItem(this.key(name), JSON.stringify(value)); return true; } catch { return false; }
  },
};

const rooms = new Map(config.rooms.map((room) => [room.id, { ...room }]));
const state = {
  room: config.room,
  frames: new Map(), // seq -> frame, for the open room
  oldest: null, // lowest seq shown (for older history)
  lastSeq: store.get("lastSeq", {}), // room -> highest seq seen, across reloads
  outbox: [], // messages not acknowledged yet (outboxItems)
  pendingFiles: [], // {id, name} uploaded, not sent
  replyTo: null,
  members: [], // of the open room, for mentions
  typing: new Map(),
  loadingOlder: false,
  reachedStart: false,
  jumpSeq: Number(new URLSearchParams(location.search).get("seq")) || null,
  maxSeq: 0, // highest seq of a message shown in the open room
  headSeen: 0, // highest seq of any event received for the open room
  joined: false,
  newerCount: 0, // messages arrived below while reading older ones
  pinned: true, // the reader is at the newest message (keepPinned)
  acknowledged: new Set(), // directives this official (or their agency) acknowledged
};

// The outbox is shared by the official's tabs. Each message is its own storage key, written
// and removed only by itself, so no tab can overwrite another's messages. A message that
// storage refuses (full, private mode) is kept in memory. A message sent twice (two tabs) is
// stored once by the server (client_id).
const OUTBOX = store.key("outbox.");
const memoryOutbox = new Map();
function outboxItems() {
  const items = new Map(memoryOutbox);
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(OUTBOX)) continue;
      try {
        const item = JSON.parse(localStorage.getItem(key));
        if (item && item.client_id) items.set(item.client_id, item);
      } catch { /* a damaged entry: skip it */ }
    }
  } catch { /* no storage: memory only */ }
  return [...items.values()].sort((a, b) => (a.created || 0) - (b.created || 0));
}
function outboxPut(item) {
  try {
    localStorage.setItem(OUTBOX + item.client_id, JSON.stringify(item));
    memoryOutbox.delete(item.client_id);
  } catch {
    memoryOutbox.set(item.client_id, item);
  }
  outboxRefresh();
}
function outboxRemove(clientId) {
  memoryOutbox.delete(clientId);
  try { localStorage.removeItem(OUTBOX + clientId); } catch { /* memory only */ }
  outboxRefresh();
}
function outboxRefresh() {
  state.outbox = outboxItems();
  renderOutbox();
}
(function migrateOutbox() {  // the single-key outbox of earlier versions
  const legacy = store.get("outbox", null);
  if (!Array.isArray(legacy)) return;
  try {
    for (const item of legacy) {
      if (item && item.client_id) localStorage.setItem(OUTBOX + item.client_id, JSON.stringify(item));
    }
    localStorage.removeItem(store.key("outbox"));
  } catch { /* kept where it was: read again next time */ }
}());
state.outbox = outboxItems();
window.addEventListener("storage", (event) => {
  if (event.key === null || event.key.startsWith(OUTBOX)) outboxRefresh();
});

// --- the socket ---------------------------------------------------------------------------

let socket = null;
let reconnectTimer = null;
let backoff = 1000;
let pingTimer = null;
let pongTimer = null;
let flushTimer = null;
let connectedBefore = false;
let joinPending = false;
const inFlight = new Set(); // client_ids sent on this socket and not answered yet
let refs = 0;

function setConnection(name) {
  els.connection.dataset.state = name;
  els.connection.textContent = T[name];
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function connect() {
  setConnection("connecting");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const opened = new WebSocket(`${scheme}://${location.host}/ws/`);
  socket = opened;
  opened.addEventListener("open", () => {
    backoff = 1000;
    setConnection("connected");
    if (state.room) joinRoom(state.room);
    flushOutbox();
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, 25000);
    send({ type: "presence", state: document.hidden ? "away" : "online" });
    if (connectedBefore) refreshRooms(); // unread counts of rooms changed meanwhile
    connectedBefore = true;
  });
  opened.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  opened.addEventListener("close", (event) => { if (opened === socket) closed(event.code); });
}

function closed(code) {
  socket = null;
  inFlight.clear();
  joinPending = false;
  for (const edit of [...editsInFlight.values()]) edit.fail(T.notSent);
  here.clear();
  renderPresence();
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
  setConnection(navigator.onLine ? "connecting" : "offline");
  renderOutbox();
  if (code === 4401) { location.reload(); return; } // signed out elsewhere
  if (!navigator.onLine) return; // the "online" event reconnects
  const delay = Math.min(backoff, 30000) * (0.75 + Math.random() / 2);
  backoff *= 2;
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(connect, delay);
}

// A socket the network has silently gone from is dropped at once (its close event, which may
// come much later, is then ignored) and a new one is opened.
function dropSocket() {
  const dead = socket;
  if (!dead) return;
  closed(1006);
  dead.close();
}

function ping() {
  if (!send({ type: "ping" })) return;
  clearTimeout(pongTimer);
  pongTimer = setTimeout(dropSocket, 10000);
}

function onPong(frame) {
  clearTimeout(pongTimer);
  // A trailing gap (an event missed while the socket looked fine): catch up.
  const head = frame.heads && frame.heads[String(state.room)];
  if (state.room && state.joined && !joinPending && head && head > state.headSeen) joinRoom(state.room);
}

async function refreshRooms() {
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

window.addEventListener("online", () => {
  if (!socket || socket.readyState > 1) { clearTimeout(reconnectTimer); connect(); }
});
window.addEventListener("offline", () => {
  // Do not trust a socket the network has gone from: messages wait in the outbox.
  dropSocket();
  setConnection("offline");
});
document.addEventListener("visibilitychange", () => {
  send({ type: "presence", state: document.hidden ? "away" : "online" });
  if (document.hidden) saveDraft();
  else markRead();
});

function joinRoom(roomId) {
  // With messages shown, catch up from the last one; else the server sends the last 50. A
  // link to an older message loads a window around it over HTTP first (openRoom).
  const frame = { type: "join", room: roomId, ref: ++refs };
  if (state.frames.size) frame.after = state.headSeen;
  else if (state.jumpSeq) frame.after = Math.max(state.jumpSeq - 25, 0);
  joinPending = send(frame);
}

// --- frames in ----------------------------------------------------------------------------

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
      return onPong(frame);
    case "room_added":
      addRoom(frame.room);
      return refreshRooms(); // its unread count
    case "room_updated":
      return updateRoom(frame.room);
    case "room_removed":
      if (frame.room === state.room) location.assign("/messages/");
      else els.roomList.querySelector(`a[data-room="${frame.room}"]`)?.parentElement.remove();
      rooms.delete(frame.room);
      return null;
    case "directive_state":
      return renderTally(frame);
    case "acknowledged":
      markAcknowledged(frame.message);
      return showDirectives();
    case "notification":
      return null; // the notifications issue shows these
    default:
      return null;
  }
}

function onRoomEvent(frame) {
  const room = rooms.get(frame.room);
  if (room) room.head = Math.max(room.head || 0, frame.seq);
  const seen = state.lastSeq[frame.room] || 0;
  if (frame.seq > seen) {
    state.lastSeq[frame.room] = frame.seq;
    store.set("lastSeq", state.lastSeq);
  }
  if (frame.room !== state.room) {
    if (frame.type === "message" && frame.author.username !== config.username && frame.seq > seen) {
      setUnread(frame.room, (room?.unread || 0) + 1);
    }
    return;
  }
  if (state.frames.has(frame.seq)) return; // de-duplicate
  state.frames.set(frame.seq, frame);
  state.headSeen = Math.max(state.headSeen, frame.seq);
  if (frame.type === "message" && frame.directive && state.joined) showDirectives();
  if (frame.type === "message") {
    dropFromOutbox(frame.client_id, frame.author.username);
    if (state.typing.has(frame.author.username)) {  // they sent what they were typing
      clearTimeout(state.typing.get(frame.author.username));
      state.typing.delete(frame.author.username);
      renderTyping();
    }
    renderMessage(frame);
  } else {
    const target = document.getElementById(`message-${frame.id}`);
    if (target) {
      const original = [...state.frames.values()].find((f) => f.type === "message" && f.id === frame.id);
      if (original) {
        if (frame.type === "message_deleted") Object.assign(original, { deleted: true, body: null, html: null, attachments: [] });
        else Object.assign(original, { body: frame.body, html: frame.html, edited_at: frame.edited_at });
        const editing = $(".msg__editor", target);
        if (!editing || frame.type === "message_deleted") target.replaceWith(messageNode(original));
        else if (frame.body !== null) $(".msg__body", target).innerHTML = frame.html || "";
      }
    }
  }
  if (!document.hidden) markRead();
}

function onJoined(frame) {
  if (frame.room !== state.room) return;
  const first = !state.joined;
  state.joined = true;
  joinPending = false;
  state.headSeen = Math.max(state.headSeen, frame.head);
  if (!state.frames.size) {
    els.log.replaceChildren(el("p", { class: "empty", text: T.noMessages }));
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
      node.setAttribute("aria-label", T.jumpedTo);
      node.scrollIntoView({ block: "center" });
    }
    state.jumpSeq = null;
  } else if (first) {
    els.log.scrollTop = els.log.scrollHeight;
  }
  if (!document.hidden) markRead();
  showDirectives();
}

function onAck(frame) {
  if (frame.client_id) dropFromOutbox(frame.client_id, config.username);
  if (typeof frame.ref === "string" && frame.ref.startsWith("edit:")) {
    editsInFlight.get(Number(frame.ref.slice(5)))?.done();
  }
}

function onError(frame) {
  if (typeof frame.ref === "string" && frame.ref.startsWith("edit:")) {
    const edit = editsInFlight.get(Number(frame.ref.slice(5)));
    if (edit) { edit.fail(frame.message); return; }
  }
  if (frame.ref && typeof frame.ref === "string" && frame.ref.startsWith("send:")) {
    const clientId = frame.ref.slice(5);
    const item = state.outbox.find((m) => m.client_id === clientId);
    inFlight.delete(clientId);
    // Refused for good (not a passing problem): the message stays in the outbox, marked, for
    // the writer to retry, edit or discard. A passing problem is retried, once for all.
    if (item && !["unavailable", "rate_limited"].includes(frame.code)) {
      outboxPut({ ...item, failed: { code: frame.code, message: frame.message } });
      return;
    }
    if (item) { scheduleFlush(2000); return; }
  }
  showError(`${T.errorPrefix} ${frame.message}`);
}

function showError(text, kind = "") {
  els.error.textContent = text;
  els.error.hidden = !text;
  els.error.dataset.kind = text ? kind : "";
}

function onTyping(frame) {
  if (frame.room !== state.room) return;
  clearTimeout(state.typing.get(frame.author.username));
  state.typing.set(frame.author.username, setTimeout(() => {
    state.typing.delete(frame.author.username);
    renderTyping();
  }, 4000));
  state.typingNames = state.typingNames || new Map();
  state.typingNames.set(frame.author.username, frame.author.name);
  renderTyping();
}

function renderTyping() {
  const names = [...state.typing.keys()].map((u) => state.typingNames.get(u));
  els.typing.textContent = names.length ? format(T.typing, { name: names.join(", ") }) : "";
}

const here = new Map();
function onPresence(frame) {
  if (frame.room !== state.room) return;
  if (frame.state === "offline") here.delete(frame.username);
  else here.set(frame.username, frame.state);
  renderPresence();
}

// Who is here, by name: the count in a summary (its title names them on hover), the names
// in a list that a tap or Enter opens.
function memberName(username) {
  return state.members.find((m) => m.username === username)?.name || username;
}

function renderPresence() {
  const people = [...here.entries()].map(([username, status]) => ({ name: memberName(username), status }))
    .sort((a, b) => (a.status === b.status ? a.name.localeCompare(b.name) : a.status === "online" ? -1 : 1));
  const online = people.filter((p) => p.status === "online");
  const away = people.length - online.length;
  if (!people.length) { els.presence.replaceChildren(); return; }
  const open = $("details", els.presence)?.open;
  const summary = el("summary", {
    title: people.map((p) => `${p.name} (${p.status === "online" ? T.online : T.away})`).join(", "),
    text: `● ${online.length} ${T.online}${away ? ` · ${away} ${T.away}` : ""}`,
  });
  const list = el("ul", { class: "chat-presence__list" }, ...people.map((p) =>
    el("li", { class: `chat-presence__person is-${p.status}` }, p.name,
      el("span", { class: "muted", text: ` · ${p.status === "online" ? T.online : T.away}` }))));
  els.presence.replaceChildren(el("details", { open: open || null }, summary, list));
}

// --- rendering ----------------------------------------------------------------------------

function messageNode(frame) {
  const mine = frame.author.username === config.username;
  const mentionsMe = frame.mentions && (frame.mentions.usernames.includes(config.username));
  const node = el("article", {
    class: `msg${mine ? " msg--mine" : ""}${frame.deleted ? " msg--deleted" : ""}${mentionsMe ? " msg--mention" : ""}`,
    id: `message-${frame.id}`,
    "data-seq": frame.seq,
    "aria-label": `${frame.author.name}, ${when(frame.sent_at)}`,
  });
  const head = el("header", { class: "msg__head" },
    el("strong", { class: "msg__author", text: mine ? `${frame.author.name} (${T.you})` : frame.author.name }),
    el("time", { datetime: frame.sent_at, class: "msg__time", text: when(frame.sent_at) }),
    frame.edited_at && !frame.deleted ? el("span", { class: "msg__edited muted", text: `(${T.edited})` }) : null,
  );
  node.append(head);
  if (frame.reply_to) {
    const quoted = [...state.frames.values()].find((f) => f.type === "message" && f.id === frame.reply_to);
    if (quoted) node.append(el("blockquote", { class: "msg__quote", text: `${quoted.author.name}: ${(quoted.body || T.deleted).slice(0, 140)}` }));
  }
  if (frame.deleted) {
    node.append(el("p", { class: "msg__body muted", text: T.deleted }));
    return node;
  }
  const body = el("div", { class: "msg__body" });
  body.innerHTML = frame.html || ""; // sanitised on the server (nh3); no script can run (CSP)
  node.append(body);
  if (frame.attachments && frame.attachments.length) {
    const list = el("ul", { class: "msg__files" });
    for (const file of frame.attachments) {
      const link = el("a", { href: file.url, download: file.name },
        file.thumbnail_url
          ? el("img", { src: file.thumbnail_url, alt: "", class: "msg__thumb", loading: "lazy", onload: keepPinned })
          : el("span", { class: "file-kind", text: (file.name.split(".").pop() || "").toUpperCase() }),
        el("span", { class: "msg__file-name", text: ` ${file.name}` }),
      );
      list.append(el("li", { class: file.thumbnail_url ? "msg__file msg__file--image" : "msg__file" }, link,
        el("span", { class: "muted", text: ` ${Math.ceil(file.size / 1024)} KB` })));
    }
    node.append(list);
  }
  if (frame.directive) node.append(directiveNode(frame));
  const actions = el("div", { class: "msg__actions" },
    el("button", { type: "button", class: "linklike", text: T.reply, onclick: () => startReply(frame) }),
    mine ? el("button", { type: "button", class: "linklike edit-button", text: T.edit, onclick: () => editMessage(frame) }) : null,
    mine || rooms.get(frame.room)?.is_admin
      ? el("button", { type: "button", class: "linklike", text: T.delete, onclick: () => deleteMessage(frame) })
      : null,
    el("button", { type: "button", class: "linklike", text: T.copyLink, onclick: () => copyLink(frame) }),
  );
  node.append(actions);
  return node;
}

function directiveNode(frame) {
  const mine = frame.author.username === config.username;
  const box = el("div", { class: "msg__directive", id: `directive-${frame.id}` },
    el("strong", {}, `${T.directive} · ${frame.directive.ack_by === "agency" ? T.ackByAgency : T.ackByMember}`,
      frame.directive.due ? " ·" : null, frame.directive.due ? dueNode(frame.directive.due) : null),
  );
  if (!mine) {
    box.append(el("button", {
      type: "button", class: "button button--small button--primary ack-button", text: T.acknowledge,
      "data-message": frame.id, onclick: () => acknowledge(frame.id),
    }));
    // Older history loaded after the awaiting list: not in it means already acknowledged.
    if (state.awaiting && frame.seq <= state.awaitingAt && !state.awaiting.has(frame.id)) {
      state.acknowledged.add(frame.id);
    }
    if (state.acknowledged.has(frame.id)) {
      const button = box.lastChild;
      button.disabled = true;
      button.textContent = T.acknowledged;
    }
  } else {
    box.append(el("div", { class: "msg__tally", id: `tally-${frame.id}` }));
    api(`/api/v1/messages/${frame.id}/directive`).then(renderTally).catch(() => {});
  }
  return box;
}

// Acknowledging goes over HTTP, so the answer (or the error) comes back to this click.
async function acknowledge(messageId) {
  const buttons = document.querySelectorAll(`.ack-button[data-message="${messageId}"], .banner-ack[data-message="${messageId}"]`);
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await api(`/api/v1/messages/${messageId}/acknowledge`, { method: "POST" });
    markAcknowledged(messageId);
    showDirectives();
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    showError(`${T.ackFailed} ${error.message}`);
  }
}

function markAcknowledged(messageId) {
  state.acknowledged.add(messageId);
  for (const button of document.querySelectorAll(`.ack-button[data-message="${messageId}"]`)) {
    button.disabled = true;
    button.textContent = T.acknowledged;
  }
}

function renderTally(tally) {
  const box = document.getElementById(`tally-${tally.message}`);
  if (!box) return;
  const names = (items) => items.map((i) => i.name || i.username || i.agency).join(", ");
  box.replaceChildren(
    tally.complete
      ? el("p", { class: "tag tag--ok", text: T.complete })
      : el("p", {}, el("span", { text: `${T.pending}: ` }), el("span", { class: "tally-pending", text: names(tally.pending) }),
        tally.overdue ? el("span", { class: "tag tag--danger", text: ` ${T.overdue}` }) : null),
    tally.acknowledged.length ? el("p", { class: "muted" }, `${T.done}: `, el("span", { class: "tally-done", text: names(tally.acknowledged) })) : null,
  );
}

// Whether the reader is at the newest message: set by their scrolling, kept while pictures
// above load (an image's height arrives after the message), so they stay at the bottom.
const nearBottom = () => els.log.scrollHeight - els.log.scrollTop - els.log.clientHeight < 80;
function keepPinned() {
  if (state.pinned) els.log.scrollTop = els.log.scrollHeight;
}

function renderMessage(frame) {
  const empty = $(".empty", els.log);
  if (empty) empty.remove();
  const atBottom = state.pinned || nearBottom();
  const node = messageNode(frame);
  if (frame.seq > state.maxSeq) {  // the usual case: a new message at the end
    state.maxSeq = frame.seq;
    els.log.insertBefore(node, $(".msg--pending", els.log));
  } else {  // older history, loaded when scrolling up
    const later = [...els.log.querySelectorAll("article.msg[data-seq]")].find((n) => Number(n.dataset.seq) > frame.seq);
    if (later) later.before(node);
    else els.log.insertBefore(node, $(".msg--pending", els.log));
  }
  if (atBottom || frame.author.username === config.username) els.log.scrollTop = els.log.scrollHeight;
  else if (frame.seq === state.maxSeq && state.joined) showNewer(node);
}

// Someone reading older history is not pulled down by new messages: a marker says how many
// arrived below (and a line shows where they begin); it goes once they are in view.
function showNewer(node) {
  if (!state.newerCount) {
    for (const line of els.log.querySelectorAll(".chat-new-line")) line.remove();
    node.before(el("div", { class: "chat-new-line", role: "separator", "aria-label": T.newBelow },
      el("span", { text: T.newBelow })));
  }
  state.newerCount = (state.newerCount || 0) + 1;
  els.newer.textContent = format(state.newerCount === 1 ? T.newOne : T.newMany, { count: state.newerCount });
  els.newer.hidden = false;
}

function hideNewer() {
  state.newerCount = 0;
  els.newer.hidden = true;
}

els.newer.addEventListener("click", () => {
  const line = $(".chat-new-line", els.log);
  if (line) line.scrollIntoView({ block: "start" });
  else els.log.scrollTop = els.log.scrollHeight;
  hideNewer();
});

let outboxShown = "";
function renderOutbox() {
  // Rebuilt only when what it shows changes (the log is a live region: no repeats).
  const items = state.outbox.filter((m) => m.room === state.room);
  const online = Boolean(socket && socket.readyState === 1);
  const shown = JSON.stringify([state.room, online, items.map((m) => [m.client_id, m.failed])]);
  if (shown === outboxShown && items.length === els.log.querySelectorAll(".msg--pending").length) return;
  outboxShown = shown;
  for (const node of els.log.querySelectorAll(".msg--pending")) node.remove();
  for (const item of items) {
    const status = item.failed
      ? el("span", { class: "error", text: `${T.errorPrefix} ${item.failed.message}` })
      : el("span", { class: "muted", text: online ? T.sending : T.notSent });
    const files = (item.files || []).map((f) => f.name).join(", ");
    els.log.append(el("article", { class: `msg msg--mine msg--pending${item.failed ? " msg--failed" : ""}`, "data-client-id": item.client_id },
      el("header", { class: "msg__head" }, el("strong", { text: `${config.name} (${T.you})` }), status),
      el("p", { class: "msg__body", text: item.body }),
      files ? el("p", { class: "muted", text: `${T.attachment}: ${files}` }) : null,
      item.failed ? el("div", { class: "msg__actions" },
        el("button", { type: "button", class: "linklike", text: T.retry, onclick: () => retryItem(item.client_id) }),
        el("button", { type: "button", class: "linklike", text: T.edit, onclick: () => editItem(item.client_id) }),
        el("button", { type: "button", class: "linklike", text: T.discard, onclick: () => discardItem(item.client_id) }),
      ) : null,
    ));
  }
}

function retryItem(clientId) {
  const item = state.outbox.find((m) => m.client_id === clientId);
  if (!item) return;
  const { failed, ...rest } = item; // eslint-disable-line no-unused-vars
  outboxPut(rest);
  flushOutbox();
}

function editItem(clientId) {
  // Back into the composer (after what is there), files included; out of the outbox.
  const item = state.outbox.find((m) => m.client_id === clientId);
  if (!item) return;
  els.body.value = els.body.value ? `${els.body.value}\n${item.body}` : item.body;
  state.pendingFiles.push(...(item.files || []));
  renderFiles();
  if (item.reply_to) {
    const quoted = [...state.frames.values()].find((f) => f.type === "message" && f.id === item.reply_to);
    startReply(quoted || { id: item.reply_to, author: { name: "" }, body: "" });
  }
  if (item.directive && els.directiveAck) {
    els.directiveAck.value = item.directive.ack_by;
    els.directiveDue.value = item.directive.due || "";
    els.directiveAck.closest("details").open = true;
  }
  saveDraft();
  discardItem(clientId);
  els.body.focus();
}

function discardItem(clientId) {
  outboxRemove(clientId);
}

function setUnread(roomId, count, readSeq) {
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

let readTimer = null;
function markRead() {
  // Debounced; recorded as read only once the frame went out (else retried on reconnect).
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!state.room || !state.headSeen || document.hidden) return;
    const seq = state.headSeen;
    const room = rooms.get(state.room);
    // last_read_seq moves when the server answers (read_state), so a frame lost with a dead
    // socket is sent again after reconnecting.
    if (room && (room.last_read_seq || 0) < seq) send({ type: "read", room: state.room, seq });
    setUnread(state.room, 0);
  }, 300);
}

// --- the outbox: nothing typed is lost -------------------------------------------------------

function queue(item) {
  outboxPut(item);
  els.log.scrollTop = els.log.scrollHeight;
  flushOutbox();
}

function scheduleFlush(delay) {
  clearTimeout(flushTimer);
  flushTimer = setTimeout(flushOutbox, delay);
}

function flushOutbox() {
  // Each waiting message once per socket (until answered, or the socket closes).
  state.outbox = outboxItems();
  for (const item of state.outbox) {
    if (item.failed || inFlight.has(item.client_id)) continue;
    const frame = { type: "send", room: item.room, body: item.body, client_id: item.client_id, ref: `send:${item.client_id}` };
    if (item.reply_to) frame.reply_to = item.reply_to;
    if (item.attachments && item.attachments.length) frame.attachments = item.attachments;
    if (item.directive) frame.directive = item.directive;
    if (!send(frame)) return;
    inFlight.add(item.client_id);
  }
}

function dropFromOutbox(clientId, author) {
  if (author !== config.username || !clientId) return;
  inFlight.delete(clientId);
  if (state.outbox.some((m) => m.client_id === clientId) || outboxItems().some((m) => m.client_id === clientId)) {
    outboxRemove(clientId);
  }
}

// --- composing ----------------------------------------------------------------------------

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submitMessage();
});

els.body.addEventListener("keydown", (event) => {
  if (!els.mentionMenu.hidden && ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"].includes(event.key)) {
    mentionKey(event);
    return;
  }
  // On touch screens Enter is a new line (the keyboard has no Shift+Enter); Send sends.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !coarsePointer.matches) {
    event.preventDefault();
    submitMessage();
  }
});
const coarsePointer = window.matchMedia("(pointer: coarse)");

let lastTyping = 0;
els.body.addEventListener("input", () => {
  const now = Date.now();
  if (now - lastTyping > 2000 && els.body.value.trim()) {
    lastTyping = now;
    send({ type: "typing", room: state.room });
  }
  updateMentionMenu();
  updateCount();
  clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraft, 400);
});

// Drafts, per room, survive switching rooms and reloading.
let draftTimer = null;
window.addEventListener("pagehide", saveDraft);
function saveDraft() {
  if (!state.room) return;
  const drafts = store.get("drafts", {});
  if (els.body.value) drafts[state.room] = els.body.value;
  else delete drafts[state.room];
  store.set("drafts", drafts);
}

// Near the limit the composer says how many characters remain, and over it how many too
// many; a message over the limit is not sent (nothing is cut: the text stays to shorten).
const COUNT_FROM = Math.min(1000, Math.floor(config.maxChars / 10));
function updateCount() {
  const left = config.maxChars - length(els.body.value);
  const over = left < 0;
  els.count.hidden = left >= COUNT_FROM;
  els.count.textContent = over ? format(T.charsOver, { count: -left, max: config.maxChars })
    : format(T.charsLeft, { count: left });
  els.count.classList.toggle("error", over);
  if (over) els.body.setAttribute("aria-invalid", "true");
  else els.body.removeAttribute("aria-invalid");
  if (!over && els.error.dataset.kind === "length") showError("");
}

function submitMessage() {
  const body = els.body.value;
  if (!state.room || (!body.trim() && !state.pendingFiles.length)) return;
  if (length(body) > config.maxChars) {
    showError(format(T.tooLong, { count: length(body) - config.maxChars, max: config.maxChars }), "length");
    els.body.focus();
    return;
  }
  const item = { room: state.room, body, client_id: uuid(), created: Date.now() };
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
  clearTimeout(draftTimer);
  saveDraft();
  state.pendingFiles = [];
  renderFiles();
  cancelReply();
  queue(item);
}

function startReply(frame) {
  state.replyTo = frame;
  els.replyPreview.hidden = false;
  els.replyPreview.replaceChildren(
    el("span", { text: `${T.replyingTo} ${frame.author.name}: ${(frame.body || "").slice(0, 80)}` }),
    el("button", { type: "button", class: "linklike", text: T.cancel, onclick: cancelReply }),
  );
  els.body.focus();
}

function cancelReply() {
  state.replyTo = null;
  els.replyPreview.hidden = true;
  els.replyPreview.replaceChildren();
}

const editsInFlight = new Map(); // message id -> {done, fail}: an edit waiting for its ack

function editMessage(frame) {
  // In place: the body becomes a text box with Save and Cancel (Escape cancels). It stays
  // open until the server has the new text; a refusal leaves it open with the text.
  const node = document.getElementById(`message-${frame.id}`);
  const body = node && $(".msg__body", node);
  if (!body || $(".msg__editor", node)) return;
  const box = el("textarea", { class: "msg__editor", rows: 3, "aria-label": T.editPrompt });
  box.value = frame.body;
  const restore = () => {
    editsInFlight.delete(frame.id);
    form.remove();
    body.hidden = false;
    $(".edit-button", document.getElementById(`message-${frame.id}`) || node)?.focus();
  };
  const saveButton = el("button", { type: "button", class: "button button--small button--primary", text: T.save });
  const busy = (on) => { box.disabled = on; saveButton.disabled = on; };
  const save = () => {
    const text = box.value;
    if (!text.trim() || text === frame.body) { restore(); return; }
    if (length(text) > config.maxChars) {
      showError(format(T.tooLong, { count: length(text) - config.maxChars, max: config.maxChars }), "length");
      box.focus();
      return;
    }
    if (!send({ type: "edit", message: frame.id, body: text, ref: `edit:${frame.id}` })) {
      showError(`${T.errorPrefix} ${T.notSent}`);
      return;
    }
    busy(true);
    editsInFlight.set(frame.id, {
      done: restore,
      fail: (message) => { editsInFlight.delete(frame.id); busy(false); showError(`${T.errorPrefix} ${message}`); box.focus(); },
    });
  };
  saveButton.addEventListener("click", save);
  const form = el("div", { class: "msg__edit" }, box, el("div", { class: "button-row" },
    saveButton, el("button", { type: "button", class: "button button--small", text: T.cancel, onclick: restore })));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") restore();
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !coarsePointer.matches) { event.preventDefault(); save(); }
  });
  body.hidden = true;
  body.after(form);
  box.focus();
}

function deleteMessage(frame) {
  if (window.confirm(T.confirmDelete)) send({ type: "delete", message: frame.id });
}

function copyLink(frame) {
  const url = `${location.origin}/messages/${frame.room}?seq=${frame.seq}`;
  navigator.clipboard?.writeText(url).then(() => showError(""), () => {});
  els.typing.textContent = T.linkCopied;
}

// Files: chosen, pasted or dropped; uploaded at once, sent with the next message.
async function uploadFiles(files) {
  for (const file of files) {
    if (file.size > config.maxFileBytes) { showError(`${T.uploadFailed} ${file.name}`); continue; }
    const form = new FormData();
    form.append("file", file);
    try {
      const uploaded = await api("/api/v1/attachments", { method: "POST", body: form });
      state.pendingFiles.push(uploaded);
      renderFiles();
    } catch (error) {
      showError(`${T.uploadFailed} ${file.name}: ${error.message}`);
    }
  }
}

function renderFiles() {
  els.files.replaceChildren(...state.pendingFiles.map((file) => el("li", { class: "chat-file" },
    el("span", { text: file.name }),
    el("button", { type: "button", class: "linklike", text: T.remove, "aria-label": `${T.remove} ${file.name}`,
      onclick: () => { state.pendingFiles = state.pendingFiles.filter((f) => f.id !== file.id); renderFiles(); } }),
  )));
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

// Mentions: @ then part of a username, a name or an agency code; arrows and Enter to pick.
let mentionIndex = 0;
function mentionCandidates(word) {
  const q = word.toLowerCase();
  const people = state.members
    .filter((m) => m.username !== config.username)
    .filter((m) => m.username.toLowerCase().startsWith(q) || m.name.toLowerCase().includes(q))
    .map((m) => ({ value: m.username, label: `${m.name} (@${m.username})` }));
  const agencies = [...new Set(state.members.map((m) => m.agency).filter(Boolean))]
    .filter((code) => code.startsWith(q))
    .map((code) => ({ value: code, label: `@${code}` }));
  return [...people, ...agencies].slice(0, 8);
}

function currentMention() {
  const upto = els.body.value.slice(0, els.body.selectionStart);
  const match = upto.match(/(?:^|[^\w@.])@([\w.+-]*)$/);
  return match ? match[1] : null;
}

function updateMentionMenu() {
  const word = currentMention();
  const options = word === null ? [] : mentionCandidates(word);
  els.mentionMenu.hidden = !options.length;
  mentionIndex = 0;
  els.mentionMenu.replaceChildren(...options.map((option, index) => el("li", {
    role: "option", id: `mention-${index}`, "data-value": option.value,
    "aria-selected": index === 0 ? "true" : "false", text: option.label,
    onmousedown: (event) => { event.preventDefault(); pickMention(option.value); },
  })));
  els.body.setAttribute("aria-activedescendant", options.length ? "mention-0" : "");
}

function mentionKey(event) {
  const items = [...els.mentionMenu.children];
  if (event.key === "Escape") { closeMentionMenu(); event.preventDefault(); return; }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    mentionIndex = (mentionIndex + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", i === mentionIndex ? "true" : "false"));
    els.body.setAttribute("aria-activedescendant", `mention-${mentionIndex}`);
    return;
  }
  event.preventDefault();
  pickMention(items[mentionIndex].dataset.value);
}

function closeMentionMenu() {
  els.mentionMenu.hidden = true;
  els.body.removeAttribute("aria-activedescendant");
}

function pickMention(value) {
  const start = els.body.selectionStart;
  const upto = els.body.value.slice(0, start).replace(/@([\w.+-]*)$/, `@${value} `);
  els.body.value = upto + els.body.value.slice(start);
  els.body.setSelectionRange(upto.length, upto.length);
  closeMentionMenu();
  saveDraft();
  els.body.focus();
}

// --- older history, directives, search, dialogs --------------------------------------------

els.log.addEventListener("scroll", () => {
  state.pinned = nearBottom();
  if (state.newerCount && state.pinned) hideNewer();
});

els.log.addEventListener("scroll", async () => {
  if (els.log.scrollTop > 60 || state.loadingOlder || state.reachedStart || !state.room || !state.oldest) return;
  state.loadingOlder = true;
  const marker = el("p", { class: "muted chat-older", text: T.olderLoading });
  els.log.prepend(marker);
  const height = els.log.scrollHeight;
  try {
    const page = await api(`/api/v1/rooms/${state.room}/messages?before=${state.oldest}&limit=50`);
    for (const frame of page.items) {
      if (state.frames.has(frame.seq)) continue;
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

let directivesAsked = 0;
async function showDirectives() {
  // The room's directives that still wait for this official (or their agency): a banner on
  // top, most urgent first; the buttons of those already acknowledged say so.
  if (!state.room) return;
  const asked = ++directivesAsked;
  const seenAt = state.headSeen;
  const page = await api(`/api/v1/directives/awaiting?room=${state.room}`).catch(() => null);
  if (!page || asked !== directivesAsked) return; // a later call answers
  const waiting = new Set(page.items.map((item) => item.message));
  state.awaiting = waiting;
  state.awaitingAt = seenAt;
  for (const frame of state.frames.values()) {
    if (frame.type === "message" && frame.directive && !waiting.has(frame.id)) markAcknowledged(frame.id);
  }
  els.directives.replaceChildren(...page.items.slice(0, 3).map((item) => el("div", { class: "chat-directive-banner", role: "status" },
    el("strong", { text: `${T.directive} · ${item.author.name}: ` }),
    el("a", { href: item.link, text: item.body.slice(0, 160) || T.attachment }),
    item.due ? dueNode(item.due, item.overdue) : null,
    el("button", { type: "button", class: "button button--small button--primary banner-ack", text: T.acknowledge,
      "data-message": item.message, onclick: () => acknowledge(item.message) }),
  )));
}

// --- the room list -----------------------------------------------------------------------

function addRoom(room) {
  // A room this official was just added to (room_added), or found on reconnect.
  if (rooms.has(room.id)) return;
  rooms.set(room.id, { ...room, unread: room.unread || 0 });
  const section = els.roomList.querySelector(`.chat-rooms__section[data-kind="${room.kind}"]`);
  if (!section) return;
  section.hidden = false;
  $("#no-rooms")?.remove();
  const link = el("a", { href: `/messages/${room.id}`, "data-room": room.id, class: "chat-room-link" },
    el("span", { class: "chat-room-link__name", text: room.display_name || room.name || T.directConversation }),
    room.classification && room.classification !== "biasa" ? el("span", { class: "tag tag--muted", text: room.classification }) : null,
    room.archived ? el("span", { class: "tag tag--muted room-archived", text: T.archived }) : null,
    el("span", { class: "badge", hidden: !room.unread }, String(room.unread || 0), el("span", { class: "visually-hidden", text: ` ${T.unread}` })),
  );
  $(".chat-rooms__list", section).prepend(el("li", {}, link));
}

function updateRoom(changed) {
  // Renamed, archived or brought back (room_updated, or the list fetched on reconnect).
  const room = rooms.get(changed.id);
  if (!room) return;
  Object.assign(room, changed);
  const link = els.roomList.querySelector(`a[data-room="${changed.id}"]`);
  if (link) {
    if (changed.name) $(".chat-room-link__name", link).textContent = changed.name;
    const tag = $(".room-archived", link);
    if (changed.archived && !tag) $(".badge", link).before(el("span", { class: "tag tag--muted room-archived", text: T.archived }));
    if (!changed.archived && tag) tag.remove();
  }
  if (changed.id === state.room) {
    if (changed.name) els.title.textContent = changed.name;
    setComposerArchived(Boolean(changed.archived));
  }
}

function setComposerArchived(archived) {
  for (const control of els.composer.querySelectorAll("textarea, button, input, select")) control.disabled = archived;
  $("#archived-notice").hidden = !archived;
}

els.searchForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = els.searchQ.value.trim();
  if (!q) { els.searchResults.hidden = true; return; }
  const page = await api(`/api/v1/search?q=${encodeURIComponent(q)}`).catch(() => ({ items: [] }));
  els.searchResults.hidden = false;
  els.searchResults.replaceChildren(
    ...(page.items.length ? page.items.map((item) => {
      const extract = el("span", { class: "chat-search__extract" });
      extract.innerHTML = item.extract; // escaped on the server, <mark> only
      return el("a", { href: item.link, class: "chat-search__item" },
        el("strong", { text: item.room_name }), el("span", { class: "muted", text: ` ${item.author.name} · ${when(item.sent_at)}` }),
        el("br"), extract);
    }) : [el("p", { class: "empty", text: T.noResults })]),
  );
});

els.roomFilter.addEventListener("input", () => {
  const q = els.roomFilter.value.toLowerCase();
  for (const link of els.roomList.querySelectorAll("a[data-room]")) {
    link.parentElement.hidden = !link.textContent.toLowerCase().includes(q);
  }
});

// Officials are found through the API (name, username, position or agency); oneself is
// never offered.
async function findOfficials(q) {
  if (!q) return [];
  const page = await api(`/api/v1/officials?q=${encodeURIComponent(q)}&limit=30`);
  return page.items.filter((o) => o.username !== config.username).map((o) => ({
    value: o.username,
    name: o.name,
    detail: [`@${o.username}`, o.position_title, o.agency && o.agency.name].filter(Boolean).join(" · "),
  }));
}

function pickerIn(container, id) {
  const picker = createPicker({ id, search: findOfficials, multiple: true });
  container.replaceChildren(picker.element);
  return picker;
}

const directDialog = $("#direct-dialog");
const directPicker = pickerIn($("#direct-picker"), "direct-picker");
$("#open-direct").addEventListener("click", () => {
  $("#direct-error").hidden = true;
  directDialog.showModal();
});
$("#direct-form").addEventListener("submit", async (event) => {
  if (event.submitter && event.submitter.value === "cancel") return;
  event.preventDefault();
  const box = $("#direct-error");
  const usernames = directPicker.values();
  if (!usernames.length) {
    box.hidden = false;
    box.textContent = T.chooseSomeone;
    directPicker.input.focus();
    return;
  }
  try {
    const room = await api("/api/v1/direct", { method: "POST", json: { usernames } });
    location.assign(`/messages/${room.id}`);
  } catch (error) {
    box.hidden = false;
    box.textContent = errorText(error);
  }
});
directDialog.addEventListener("close", () => directPicker.clear());

const roomDialog = $("#room-dialog");
if (roomDialog) {
  const members = pickerIn($("#room-picker"), "room-picker");
  $("#open-room").addEventListener("click", () => {
    $("#room-error").hidden = true;
    roomDialog.showModal();
  });
  roomDialog.addEventListener("close", () => members.clear());
  $("#room-form").addEventListener("submit", async (event) => {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const box = $("#room-error");
    try {
      const room = await api("/api/v1/rooms", { method: "POST", json: {
        name: $("#room-name").value, classification: $("#room-classification").value,
        members: members.values(),
      } });
      location.assign(`/messages/${room.id}`);
    } catch (error) {
      box.hidden = false;
      box.textContent = errorText(error);
    }
  });
}

// --- start --------------------------------------------------------------------------------

async function openRoom(roomId) {
  state.room = roomId;
  state.frames = new Map();
  state.maxSeq = 0;
  state.headSeen = 0;
  state.joined = false;
  state.awaiting = null;
  const room = rooms.get(roomId);
  els.title.textContent = room ? room.display_name || room.name : "";
  if (els.schedule) {
    els.schedule.href = `/meetings/new/?room=${roomId}`;
    els.schedule.hidden = false;
  }
  els.log.replaceChildren();
  setComposerArchived(Boolean(room && room.archived));
  els.body.value = store.get("drafts", {})[roomId] || "";
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

if (state.room) {
  openRoom(state.room);
} else {
  els.composer.hidden = true;
}
$("#chat-back").addEventListener("click", (event) => {
  event.preventDefault();
  els.chat.classList.remove("chat--room-open");
});
connect();
