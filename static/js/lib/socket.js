// The one socket to /ws/ (docs/protocol.md), kept open for the page: reconnected after any
// close with a doubling backoff (1 s up to 30 s) and a random jitter of ±25 %, so many pages
// coming back after an outage do not all reconnect at once; pinged every 25 s, and dropped
// at once when no pong comes within 10 s (a network silently gone); dropped when the browser
// goes offline, reconnected as soon as it is online again. Close code 4401 (signed out
// elsewhere) ends it: `signedOut` says what then.
//
//   const socket = createSocket({ ping: true });
//   socket.start({ status, open, frame, close, signedOut });
//     status(name): "connecting" | "connected" | "offline";
//     open(again): the socket is open (again: it had been open before; rejoin what you show);
//     frame(frame): every frame received, parsed (a pong too: its heads tell trailing gaps);
//     close(code): it closed (or was dropped); what was sent and not answered is lost with it.
//   socket.send(frame) sends now and says whether it could; socket.isOpen(); socket.drop().
//
// What to resume after a reconnect, from the seqs already seen, is lib/resume.js.
//
// Every frame is also dispatched on `window` as a "rakor:frame" event (detail: the frame),
// and every opening as "rakor:open" (detail: {again}), so the bell (notifications.js) shares
// the page's socket; `pageHasSocket()` says whether one was started.

const PING_EVERY = 25000;
const PONG_WITHIN = 10000;
const BACKOFF_FIRST = 1000;
const BACKOFF_MOST = 30000;

let started = 0;

export function pageHasSocket() {
  return started > 0;
}

export function createSocket({ ping = true, path = "/ws/" } = {}) {
  let socket = null;
  let handlers = {};
  let backoff = BACKOFF_FIRST;
  let reconnectTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let openedBefore = false;
  let ended = false; // closed with 4401: never reconnected
  const call = (name, ...args) => handlers[name] && handlers[name](...args);

  function isOpen() {
    return Boolean(socket && socket.readyState === WebSocket.OPEN);
  }

  function send(frame) {
    if (!isOpen()) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    call("status", "connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const opened = new WebSocket(`${scheme}://${location.host}${path}`);
    socket = opened;
    opened.addEventListener("open", () => {
      backoff = BACKOFF_FIRST;
      call("status", "connected");
      clearInterval(pingTimer);
      if (ping) pingTimer = setInterval(sendPing, PING_EVERY);
      call("open", openedBefore);
      window.dispatchEvent(new CustomEvent("rakor:open", { detail: { again: openedBefore } }));
      openedBefore = true;
    });
    opened.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "pong") clearTimeout(pongTimer);
      call("frame", frame);
      window.dispatchEvent(new CustomEvent("rakor:frame", { detail: frame }));
    });
    opened.addEventListener("close", (event) => { if (opened === socket) closed(event.code); });
  }

  function closed(code) {
    socket = null;
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    call("status", navigator.onLine ? "connecting" : "offline");
    call("close", code);
    if (code === 4401) { ended = true; call("signedOut"); return; }
    if (!navigator.onLine) return; // the "online" event reconnects
    const delay = Math.min(backoff, BACKOFF_MOST) * (0.75 + Math.random() / 2);
    backoff *= 2;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  // A socket the network has silently gone from is dropped at once (its close event, which
  // may come much later, is then ignored) and a new one is opened.
  function drop() {
    const dead = socket;
    if (!dead) return;
    closed(1006);
    dead.close();
  }

  function sendPing() {
    if (!send({ type: "ping" })) return;
    clearTimeout(pongTimer);
    pongTimer = setTimeout(drop, PONG_WITHIN);
  }

  function start(given) {
    handlers = given;
    started += 1;
    window.addEventListener("online", () => {
      if (!ended && (!socket || socket.readyState > 1)) { clearTimeout(reconnectTimer); connect(); }
    });
    window.addEventListener("offline", () => {
      // Do not trust a socket the network has gone from: what waits is sent on return.
      drop();
      call("status", "offline");
    });
    connect();
  }

  return { start, send, isOpen, drop };
}
