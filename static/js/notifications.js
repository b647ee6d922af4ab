// The bell on every page (docs/protocol.md, "Notifications"): the unread count in the header
// and in the tab's title, kept live by the `notification` and `notifications_read` frames of
// the official's socket. A page with a socket of its own shares it (lib/socket.js dispatches
// every frame as "rakor:frame"); any other page opens one for the bell. A new notification
// shows a small note on the page; with the tab in the background, and when the official has
// turned them on (asked on a click, never on load), the browser's own notification, except
// in the official's quiet hours (the frame's `quiet`).

import { api } from "./lib/api.js";
import { t } from "./lib/i18n.js";
import { createSocket, pageHasSocket } from "./lib/socket.js";

const BROWSER_KEY = "rakor.browserNotifications";
const bell = document.querySelector("[data-bell]");
const seen = new Set();
let framesSeen = 0; // a count fetched before the latest frame is older than it

function shown(count) {
  return count > 99 ? "99+" : String(count);
}

// The page's own title, without the "(n) " the server put in front of it.
const rendered = Number(bell?.dataset.unread || 0);
const baseTitle = rendered && document.title.startsWith(`(${shown(rendered)}) `)
  ? document.title.slice(`(${shown(rendered)}) `.length)
  : document.title;

function setUnread(count) {
  if (!bell || typeof count !== "number" || count < 0) return;
  bell.dataset.unread = String(count);
  const badge = bell.querySelector("[data-bell-count]");
  badge.textContent = shown(count);
  badge.hidden = count === 0;
  bell.querySelector("[data-bell-label]").textContent =
    count ? t("notifications.some", { n: count }) : t("notifications.none");
  document.title = count ? `(${shown(count)}) ${baseTitle}` : baseTitle;
  for (const node of document.querySelectorAll("[data-unread-text]")) {
    node.textContent = t("notifications.unread", { n: count });
  }
  for (const node of document.querySelectorAll("[data-read-all]")) node.disabled = count === 0;
}

function browserWanted() {
  return "Notification" in window && Notification.permission === "granted"
    && localStorage.getItem(BROWSER_KEY) === "on";
}

function toast(frame) {
  document.querySelector(".notification-toast")?.remove();
  const box = document.createElement("div");
  box.className = "notification-toast";
  box.setAttribute("role", "status");
  const title = document.createElement("strong");
  title.textContent = t("notifications.new");
  const text = frame.open ? document.createElement("a") : document.createElement("span");
  if (frame.open) text.href = frame.open;
  text.textContent = frame.text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "button button--small button--quiet";
  close.textContent = t("notifications.close");
  close.addEventListener("click", () => box.remove());
  box.append(title, document.createElement("br"), text, " ", close);
  document.body.append(box);
  setTimeout(() => box.remove(), 12000);
}

function onNotification(frame) {
  if (seen.has(frame.id)) return; // the page's socket and the bell's may both bring it
  seen.add(frame.id);
  setUnread(frame.unread);
  for (const list of document.querySelectorAll("[data-notification-list]")) {
    if (list.querySelector(`[data-notification="${frame.id}"]`)) continue;
    list.prepend(listItem(frame));
    const limit = Number(list.dataset.limit || 0);
    while (limit && list.children.length > limit) list.lastElementChild.remove();
  }
  for (const node of document.querySelectorAll("[data-unread-empty], [data-list-empty]")) {
    node.hidden = true;
  }
  if (document.hidden && browserWanted() && !frame.quiet) {
    const shown = new Notification("Rakor", { body: frame.text, tag: `rakor-${frame.id}` });
    shown.addEventListener("click", () => {
      window.focus();
      if (frame.open) location.assign(frame.open);
      shown.close();
    });
  } else if (!document.hidden) {
    toast(frame);
  }
}

function listItem(frame) {
  const item = document.createElement("li");
  item.className = "notification notification--unread";
  item.dataset.notification = String(frame.id);
  const what = document.createElement("div");
  what.className = "notification__what";
  const text = frame.open ? document.createElement("a") : document.createElement("span");
  if (frame.open) text.href = frame.open;
  text.textContent = frame.text;
  what.append(text);
  item.append(what);
  return item;
}

function onRead(frame) {
  setUnread(frame.unread);
  if (frame.unread === 0) document.querySelector(".notification-toast")?.remove();
  const items = frame.all
    ? document.querySelectorAll(".notification--unread")
    : (frame.ids || []).map((id) => document.querySelector(`[data-notification="${id}"]`));
  for (const item of items) item?.classList.remove("notification--unread");
  // The dashboard lists unread ones only: what is read leaves it.
  for (const list of document.querySelectorAll("[data-notification-list][data-limit]")) {
    for (const item of [...list.querySelectorAll(".notification:not(.notification--unread)")]) {
      item.remove();
    }
  }
  if (frame.unread === 0) {
    for (const node of document.querySelectorAll("[data-unread-empty]")) node.hidden = false;
  }
}

function handle(frame) {
  if (frame.type === "notification") {
    framesSeen += 1;
    onNotification(frame);
  } else if (frame.type === "notifications_read") {
    framesSeen += 1;
    onRead(frame);
  }
}

// What changed while no socket was open (before the first, or during a drop) came in no
// frame: read the count again, unless a frame has come since the question was asked.
function refreshCount() {
  const asked = framesSeen;
  api("/api/v1/notifications?limit=1").then(
    (page) => { if (framesSeen === asked) setUnread(page.unread); },
    () => {},
  );
}

// The browser's notifications: a switch on the notification centre, asked on a click only.
function browserSwitch() {
  const place = document.querySelector("[data-browser-notifications]");
  if (!place) return;
  const button = place.querySelector("button");
  const note = place.querySelector("[data-browser-note]");
  function show() {
    if (!("Notification" in window)) {
      button.hidden = true;
      note.textContent = t("notifications.browserMissing");
      return;
    }
    const on = browserWanted();
    button.hidden = false;
    button.textContent = on ? t("notifications.browserOff") : t("notifications.browserOn");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    note.textContent = Notification.permission === "denied"
      ? t("notifications.browserDenied")
      : on ? t("notifications.browserIsOn") : "";
  }
  button.addEventListener("click", async () => {
    if (browserWanted()) {
      localStorage.setItem(BROWSER_KEY, "off");
    } else {
      const answer = Notification.permission === "granted"
        ? "granted" : await Notification.requestPermission();
      localStorage.setItem(BROWSER_KEY, answer === "granted" ? "on" : "off");
    }
    show();
  });
  show();
}

if (bell) {
  window.addEventListener("rakor:frame", (event) => handle(event.detail));
  window.addEventListener("rakor:open", refreshCount);
  browserSwitch();
  // Pages whose script opens the socket do so as their module runs, before this event.
  const own = () => {
    if (pageHasSocket()) return;
    createSocket({ ping: true }).start({});
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", own, { once: true });
  } else {
    own();
  }
}
