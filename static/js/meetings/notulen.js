// The notulen on a meeting's page (docs/protocol.md, "The notulen"): the note taker writes
// notes per agenda item and the opening, decisions, follow-up actions and closing, saved a
// moment after typing stops (participants see them as they are written); submits them; the
// chair approves them or returns them with a comment; once approved they are read-only and
// exported as PDF or Markdown, and a correction is a new revision saying what it corrects.
// A save made on an old version shows both texts, so nothing typed is lost.

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { agendaItems } from "./agenda.js";

const SECTIONS = ["opening", "decisions", "actions", "closing"];
const SAVE_AFTER = 1500; // ms after the last key
// `edits` counts keystrokes: a save clears only those it carried, so what is typed while
// it is on its way stays "dirty" and is saved next.
const state = { meeting: null, notulen: null, editing: false, dirty: false, edits: 0, timer: null, correcting: false };
const path = () => `/api/v1/meetings/${state.meeting}/notulen`;

function fail(error) {
  const node = $("#notulen-error");
  node.textContent = error ? `${t("notulen.failed")} ${errorText(error)}` : "";
  node.hidden = !error;
}

function notesOf(notulen, itemId) {
  return notulen.items.find((entry) => entry.item === itemId)?.notes || "";
}

function writable(notulen) {
  return notulen.may_write && ["draft", "returned"].includes(notulen.status) || (notulen.may_write && state.correcting);
}

function stateText(notulen) {
  if (notulen.revision === 0) return notulen.may_write ? t("notulen.startWriting") : t("notulen.nothingYet");
  const status = t(`notulen.status.${notulen.status}`);
  return notulen.revision > 1 ? t("notulen.revisionStatus", { revision: notulen.revision, status }) : status;
}

function textBlock(title, text) {
  return el("div", { class: "notulen__section" }, el("h3", { text: title }), el("p", { class: "notulen__text", text: text || "—" }));
}

function area(id, value, label) {
  const box = el("textarea", { id, rows: "4", "data-notes": "" });
  box.value = value;
  box.addEventListener("input", () => { state.dirty = true; state.edits += 1; clearTimeout(state.timer); state.timer = setTimeout(save, SAVE_AFTER); });
  return el("div", { class: "field" }, el("label", { for: id, text: label }), box);
}

function render() {
  const notulen = state.notulen;
  const body = $("#notulen-body");
  const actions = $("#notulen-actions");
  actions.replaceChildren();
  if (!notulen) {
    $("#notulen-state").textContent = t("notulen.notApproved");
    body.replaceChildren();
    return;
  }
  $("#notulen-state").textContent = stateText(notulen);
  const items = agendaItems();
  state.editing = writable(notulen);
  const parts = [];
  if (notulen.status === "returned" && notulen.returned_comment) {
    parts.push(el("div", { class: "alert alert--warning" }, el("p", { text: t("notulen.returnedBecause", { comment: notulen.returned_comment }) })));
  }
  if (notulen.corrects) parts.push(el("p", { class: "muted", text: t("notulen.corrects", { corrects: notulen.corrects }) }));
  if (state.editing) {
    if (state.correcting || (notulen.revision > 1 && notulen.status !== "approved")) {
      parts.push(area("notulen-corrects", notulen.status === "approved" ? "" : notulen.corrects, t("notulen.correctsLabel")));
    }
    parts.push(area("notulen-opening", notulen.opening, t("notulen.section.opening")));
    items.forEach((item, index) => parts.push(area(`notulen-item-${item.id}`, notesOf(notulen, item.id), `${index + 1}. ${item.title}`)));
    for (const section of SECTIONS.slice(1)) parts.push(area(`notulen-${section}`, notulen[section], t(`notulen.section.${section}`)));
    parts.push(el("p", { class: "notulen__saved", id: "notulen-saved", "aria-live": "polite" }));
    actions.append(el("button", { type: "button", class: "button", text: t("notulen.save"), onclick: save }));
    if (!state.correcting || notulen.status !== "approved") {
      actions.append(el("button", { type: "button", class: "button button--primary", text: t("notulen.submit"), onclick: submit }));
    }
  } else {
    if (notulen.opening) parts.push(textBlock(t("notulen.section.opening"), notulen.opening));
    items.forEach((item, index) => {
      const notes = notesOf(notulen, item.id);
      if (notes || notulen.status === "approved") parts.push(el("div", { class: "notulen__item" }, el("h3", { text: `${index + 1}. ${item.title}` }), el("p", { class: "notulen__text", text: notes || "—" })));
    });
    for (const section of SECTIONS.slice(1)) if (notulen[section]) parts.push(textBlock(t(`notulen.section.${section}`), notulen[section]));
    if (notulen.approved_by) parts.push(el("p", { class: "muted", text: t("notulen.approvedBy", { name: notulen.approved_by }) }));
  }
  body.replaceChildren(...parts);
  if (notulen.may_approve && notulen.status === "submitted") {
    actions.append(
      el("button", { type: "button", class: "button button--primary", text: t("notulen.approve"), onclick: () => decide("approve") }),
      el("button", { type: "button", class: "button", text: t("notulen.return"), onclick: () => decide("return") }));
  }
  if (notulen.history.length) {
    actions.append(
      el("a", { class: "button", href: `${path()}.pdf`, text: t("notulen.pdf") }),
      el("a", { class: "button", href: `${path()}.md`, text: t("notulen.markdown") }));
  }
  if (notulen.may_write && notulen.status === "approved" && !state.correcting) {
    actions.append(el("button", { type: "button", class: "button", text: t("notulen.correct"), onclick: () => { state.correcting = true; render(); } }));
  }
}

function draft() {
  const value = (id) => document.getElementById(id)?.value ?? "";
  // Every box on the page, also one whose item was removed meanwhile (the server says so).
  const items = [...document.querySelectorAll("textarea[id^='notulen-item-']")]
    .map((box) => ({ item: Number(box.id.slice("notulen-item-".length)), notes: box.value }))
    .filter((entry) => entry.notes);
  const body = { version: state.notulen.version, items, corrects: value("notulen-corrects") };
  for (const section of SECTIONS) body[section] = value(`notulen-${section}`);
  return body;
}

async function save() {
  clearTimeout(state.timer);
  if (!state.editing) return;
  const body = draft();
  const carried = state.edits;
  try {
    state.notulen = await api(path(), { method: "PUT", json: body });
    state.dirty = state.edits !== carried;
    state.correcting = false;
    fail(null);
    const saved = $("#notulen-saved");
    if (saved) saved.textContent = t("notulen.saved");
    else render();
  } catch (error) {
    if (error.status === 409 && error.body?.current) conflict(error.body.current, body);
    else fail(error);
  }
}

// Theirs as saved and yours as typed; keeping yours saves it on their version.
function conflict(current, mine) {
  const text = (notes) => [notes.opening, ...(notes.items || []).map((entry) => entry.notes), notes.decisions, notes.actions, notes.closing].filter(Boolean).join("\n\n");
  $("#notulen-body").prepend(el("div", { class: "alert alert--warning notulen__conflict", role: "alert" },
    el("p", { text: t("notulen.conflict") }),
    el("p", { text: t("agenda.theirs") }), el("pre", { text: text(current) }),
    el("p", { text: t("agenda.yours") }), el("pre", { text: text(mine) }),
    el("div", { class: "button-row" },
      el("button", { type: "button", class: "button button--primary button--small", text: t("agenda.keepMine"), onclick: () => { state.notulen.version = current.version; save(); } }),
      el("button", { type: "button", class: "button button--small", text: t("agenda.takeTheirs"), onclick: () => { state.dirty = false; reload(); } }))));
}

async function submit() {
  if (state.dirty) await save();
  try {
    state.notulen = await api(`${path()}/submit`, { method: "POST", json: { version: state.notulen.version } });
    fail(null);
    render();
  } catch (error) {
    fail(error);
  }
}

async function decide(verdict) {
  const json = { version: state.notulen.version };
  if (verdict === "return") {
    const comment = window.prompt(t("notulen.returnPrompt"), "");
    if (!comment) return;
    json.comment = comment;
  }
  try {
    state.notulen = await api(`${path()}/${verdict}`, { method: "POST", json });
    fail(null);
    render();
  } catch (error) {
    fail(error);
  }
}

async function reload() {
  try {
    state.notulen = await api(path());
  } catch {
    state.notulen = null; // not approved yet, and not a participant
  }
  render();
}

// `notulen_updated`: fetch what changed, unless it is what this page saved, or the official
// is typing (their next save meets the change as a conflict, with both texts).
export function notulenFrame(frame) {
  if (frame.meeting !== state.meeting) return;
  if (state.notulen && frame.revision === state.notulen.revision && frame.version === state.notulen.version) return;
  if (state.editing && state.dirty) return;
  reload();
}

// Draw again when the agenda changed (the notes are per item); never while the note taker
// is writing (the boxes keep what is typed; a new item gets its box on the next render).
export function refreshNotulen() {
  if (state.meeting && !state.editing) render();
}

// After a reconnect: what changed while away, unless the note taker has unsaved words.
export function resyncNotulen() {
  if (state.meeting && !(state.editing && state.dirty)) reload();
}

export function startNotulen(config) {
  if (!$("#notulen")) return;
  state.meeting = config.meeting;
  state.notulen = config.notulen;
  render();
}
