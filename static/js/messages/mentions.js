// Mentions in the composer: @ then part of a username, a name or an agency code offers the
// room's members and agencies (#mention-menu); the arrows move, Enter or Tab picks, Escape
// closes.

import { el } from "../lib/dom.js";
import { saveDraft } from "./drafts.js";
import { config, els, state } from "./state.js";

const KEYS = ["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"];

function candidates(word) {
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

export function updateMentionMenu() {
  const word = currentMention();
  const options = word === null ? [] : candidates(word);
  els.mentionMenu.hidden = !options.length;
  state.mentionIndex = 0;
  els.mentionMenu.replaceChildren(...options.map((option, index) => el("li", {
    role: "option", id: `mention-${index}`, "data-value": option.value,
    "aria-selected": index === 0 ? "true" : "false", text: option.label,
    onmousedown: (event) => { event.preventDefault(); pickMention(option.value); },
  })));
  els.body.setAttribute("aria-activedescendant", options.length ? "mention-0" : "");
}

// A key pressed in the composer: true if the open menu took it.
export function mentionKey(event) {
  if (els.mentionMenu.hidden || !KEYS.includes(event.key)) return false;
  const items = [...els.mentionMenu.children];
  if (event.key === "Escape") { closeMentionMenu(); event.preventDefault(); return true; }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    state.mentionIndex = (state.mentionIndex + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", i === state.mentionIndex ? "true" : "false"));
    els.body.setAttribute("aria-activedescendant", `mention-${state.mentionIndex}`);
    return true;
  }
  event.preventDefault();
  pickMention(items[state.mentionIndex].dataset.value);
  return true;
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
