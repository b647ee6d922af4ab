// Who is in the open room and who is typing there: this page's own presence (online, or away
// while the tab is hidden), the members' presence and typing frames, shown in the room's
// header (#room-presence) and under the log (#typing).

import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { els, socket, state } from "./state.js";

export function sendPresence() {
  socket.send({ type: "presence", state: document.hidden ? "away" : "online" });
}
document.addEventListener("visibilitychange", sendPresence);

export function onTyping(frame) {
  if (frame.room !== state.room) return;
  clearTimeout(state.typing.get(frame.author.username));
  state.typing.set(frame.author.username, setTimeout(() => {
    state.typing.delete(frame.author.username);
    renderTyping();
  }, 4000));
  state.typingNames.set(frame.author.username, frame.author.name);
  renderTyping();
}

// They sent what they were typing.
export function typingDone(username) {
  if (!state.typing.has(username)) return;
  clearTimeout(state.typing.get(username));
  state.typing.delete(username);
  renderTyping();
}

function renderTyping() {
  const names = [...state.typing.keys()].map((u) => state.typingNames.get(u));
  els.typing.textContent = names.length ? t("messages.typing", { name: names.join(", ") }) : "";
}

export function onPresence(frame) {
  if (frame.room !== state.room) return;
  if (frame.state === "offline") state.here.delete(frame.username);
  else state.here.set(frame.username, frame.state);
  renderPresence();
}

// With the socket gone, nobody is known to be here.
export function clearPresence() {
  state.here.clear();
  renderPresence();
}

function memberName(username) {
  return state.members.find((m) => m.username === username)?.name || username;
}

// Who is here, by name: the count in a summary (its title names them on hover), the names
// in a list that a tap or Enter opens.
export function renderPresence() {
  const word = (status) => (status === "online" ? t("messages.online") : t("messages.away"));
  const people = [...state.here.entries()].map(([username, status]) => ({ name: memberName(username), status }))
    .sort((a, b) => (a.status === b.status ? a.name.localeCompare(b.name) : a.status === "online" ? -1 : 1));
  const online = people.filter((p) => p.status === "online");
  const away = people.length - online.length;
  if (!people.length) { els.presence.replaceChildren(); return; }
  const open = $("details", els.presence)?.open;
  const summary = el("summary", {
    title: people.map((p) => `${p.name} (${word(p.status)})`).join(", "),
    text: `● ${online.length} ${t("messages.online")}${away ? ` · ${away} ${t("messages.away")}` : ""}`,
  });
  const list = el("ul", { class: "chat-presence__list" }, ...people.map((p) =>
    el("li", { class: `chat-presence__person is-${p.status}` }, p.name,
      el("span", { class: "muted", text: ` · ${word(p.status)}` }))));
  els.presence.replaceChildren(el("details", { open: open || null }, summary, list));
}
