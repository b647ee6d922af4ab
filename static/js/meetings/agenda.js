// A meeting's agenda on its page (docs/protocol.md, "The agenda"): the items in order with
// the planned time against the meeting's length; for those who edit it, adding, editing in
// place (meetings/agenda-edit.js), removing, moving items by dragging or with Alt+↑/↓ (or
// the Move buttons, on a phone), documents (meetings/agenda-files.js) and templates
// (meetings/agenda-templates.js); changes from others arriving live over the socket; the
// proposals (meetings/proposals.js). The state is the server's: every frame and every answer
// replaces what it names, and after a reconnect the whole agenda is read again.

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { editForm, editing, editingRemoved } from "./agenda-edit.js";
import { documentsNode } from "./agenda-files.js";
import { startTemplates } from "./agenda-templates.js";
import { proposalFrame, startProposals } from "./proposals.js";

const state = { meeting: null, version: 0, items: [], mayEdit: false, length: 0, cancelled: false };
let presenters = [];
let decorate = () => {}; // what the live meeting adds to an item (meetings/mode.js)

const list = () => $("#agenda-items");

function say(text) {
  const node = $("#agenda-status");
  if (node) node.textContent = text;
}

function presenterName(presenter) {
  return presenter ? presenter.name : "";
}

function showTime() {
  const planned = state.items.reduce((sum, item) => sum + item.planned_minutes, 0);
  const node = $("#agenda-time");
  const over = planned - state.length;
  node.textContent = over > 0
    ? t("agenda.over", { planned, length: state.length, over })
    : t("agenda.planned", { planned, length: state.length });
  node.classList.toggle("agenda__time--over", over > 0);
  $("#agenda-empty").hidden = state.items.length > 0;
}

function itemNode(item, index) {
  const editable = state.mayEdit && !state.cancelled;
  const node = el("li", {
    class: "agenda__item",
    id: `agenda-item-${item.id}`,
    "data-id": item.id,
    tabindex: editable ? "0" : null,
    draggable: editable ? "true" : null,
  },
  el("div", { class: "agenda__head" },
    el("span", { class: "agenda__number", text: `${index + 1}.` }),
    el("span", { class: "agenda__title", text: item.title }),
    el("span", { class: "tag", text: t(`agenda.outcome.${item.outcome}`) }),
    el("span", { class: "tag tag--muted", text: t("agenda.minutes", { count: item.planned_minutes }) }),
    item.status === "pending" ? null : el("span", { class: "tag tag--ok", text: t(`agenda.status.${item.status}`) })),
  item.presenter ? el("p", { class: "agenda__meta", text: t("agenda.presenter", { name: presenterName(item.presenter) }) }) : null,
  item.description ? el("p", { class: "agenda__description", text: item.description }) : null,
  item.links.length ? el("ul", { class: "agenda__links" },
    ...item.links.map((href) => el("li", {}, el("a", { href, rel: "noopener noreferrer", target: "_blank", text: href })))) : null,
  item.source_message ? el("p", { class: "agenda__source" }, el("a", { href: item.source_message.url, text: t("agenda.fromMessage") })) : null,
  documentsNode(item, { editable, say }));
  if (editable) {
    node.append(el("div", { class: "agenda__actions" },
      el("button", { type: "button", class: "button button--small", text: t("agenda.moveUp"), disabled: index === 0, onclick: () => move(item.id, -1) }),
      el("button", { type: "button", class: "button button--small", text: t("agenda.moveDown"), disabled: index === state.items.length - 1, onclick: () => move(item.id, 1) }),
      el("button", { type: "button", class: "button button--small", text: t("agenda.edit"), onclick: () => startEditing(item.id) }),
      el("button", { type: "button", class: "button button--small button--danger", text: t("agenda.remove"), onclick: () => remove(item.id) })));
  }
  decorate(item, node);
  return node;
}

// The list drawn again from the state; an item being edited keeps its form (and the words in it).
function render() {
  const focused = document.activeElement?.closest?.(".agenda__item")?.dataset.id;
  const nodes = state.items.map((item, index) => editing(item.id) ? editing(item.id).node : itemNode(item, index));
  list().replaceChildren(...nodes);
  for (const [id, form] of editingRemoved(state.items)) list().append(form.node);
  if (focused) document.getElementById(`agenda-item-${focused}`)?.focus();
  showTime();
}

function find(id) {
  return state.items.find((item) => item.id === Number(id));
}

function put(item) {
  const at = state.items.findIndex((known) => known.id === item.id);
  if (at >= 0) state.items[at] = item;
  else state.items.push(item);
}

// A new order (ids): items not in it are gone; items it names that are not known yet wait
// for their agenda_item frame (it comes first).
function order(ids, version) {
  const known = new Map(state.items.map((item) => [item.id, item]));
  state.items = ids.map((id) => known.get(id)).filter(Boolean);
  state.version = version;
}

function startEditing(id) {
  const item = find(id);
  if (!item) return;
  editForm(item, {
    save: (changes, version) => api(`/api/v1/agenda-items/${item.id}`, { method: "PATCH", json: { ...changes, version } }),
    done: (saved) => { if (saved) put(saved); render(); },
    presenters,
  });
  render();
  editing(item.id).node.querySelector("input")?.focus();
}

async function remove(id) {
  const item = find(id);
  if (!item || !window.confirm(t("agenda.confirmRemove", { title: item.title }))) return;
  try {
    await api(`/api/v1/agenda-items/${item.id}`, { method: "DELETE", headers: { "If-Match": `"${item.version}"` } });
  } catch (error) {
    if (error.status === 409 && error.body?.current) { put(error.body.current); render(); }
    say(`${t("agenda.failed")} ${errorText(error)}`);
  }
}

// The agenda as the server has it now (after a refused change, and after a reconnect).
export async function reloadAgenda() {
  try {
    const agenda = await api(`/api/v1/meetings/${state.meeting}/agenda`);
    state.items = agenda.items;
    state.version = agenda.version;
    render();
  } catch {
    // Offline: the socket's `agenda` frame brings it when the connection returns.
  }
}

async function reorder(ids, moved) {
  const version = state.version;
  order(ids, version);
  render();
  try {
    const answer = await api(`/api/v1/meetings/${state.meeting}/agenda/order`, { method: "POST", json: { items: ids, version } });
    state.version = Math.max(state.version, answer.version);
    const position = answer.items.indexOf(moved.id) + 1;
    say(t("agenda.moved", { title: moved.title, position }));
  } catch (error) {
    // Whatever arrived meanwhile (the change that made this one stale, say) stays: the
    // whole agenda is read again.
    say(error.status === 409 ? t("agenda.orderChanged") : `${t("agenda.failed")} ${errorText(error)}`);
    await reloadAgenda();
  }
}

function move(id, by) {
  const ids = state.items.map((item) => item.id);
  const from = ids.indexOf(Number(id));
  const to = from + by;
  if (from < 0 || to < 0 || to >= ids.length) return;
  ids.splice(to, 0, ids.splice(from, 1)[0]);
  reorder(ids, find(id)).then(() => document.getElementById(`agenda-item-${id}`)?.focus());
}

// Dragging: the item dropped goes before the item it was dropped on (after it, on the lower half).
function enableDragging() {
  let dragged = null;
  const target = (event) => event.target.closest?.(".agenda__item[data-id]");
  list().addEventListener("dragstart", (event) => {
    dragged = target(event);
    if (!dragged) return;
    dragged.classList.add("agenda__item--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  list().addEventListener("dragover", (event) => {
    const over = target(event);
    if (!dragged || !over) return;
    event.preventDefault();
    for (const node of list().querySelectorAll(".agenda__item--drop")) node.classList.remove("agenda__item--drop");
    if (over !== dragged) over.classList.add("agenda__item--drop");
  });
  list().addEventListener("dragend", () => {
    for (const node of list().querySelectorAll(".agenda__item--drop, .agenda__item--dragging")) {
      node.classList.remove("agenda__item--drop", "agenda__item--dragging");
    }
    dragged = null;
  });
  list().addEventListener("drop", (event) => {
    const over = target(event);
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const ids = state.items.map((item) => item.id).filter((id) => id !== Number(dragged.dataset.id));
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    ids.splice(ids.indexOf(Number(over.dataset.id)) + (after ? 1 : 0), 0, Number(dragged.dataset.id));
    reorder(ids, find(dragged.dataset.id));
  });
  list().addEventListener("keydown", (event) => {
    const item = event.target.classList?.contains("agenda__item") ? event.target : null;
    if (!item || !event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    event.preventDefault();
    move(item.dataset.id, event.key === "ArrowUp" ? -1 : 1);
  });
}

function presenterValue(value) {
  if (!value) return null;
  const [kind, key] = [value.slice(0, 2), value.slice(2)];
  return kind === "u:" ? { username: key } : { agency: key };
}

function fillPresenters(select) {
  for (const choice of presenters) {
    const value = choice.username ? `u:${choice.username}` : `a:${choice.agency}`;
    select.append(el("option", { value, text: choice.username ? `${choice.name} (@${choice.username})` : choice.name }));
  }
}

function enableAdding() {
  const form = $("#agenda-add");
  if (!form) return;
  for (const select of document.querySelectorAll("select[data-presenters]")) fillPresenters(select);
  const error = $("#agenda-add-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const title = String(data.get("title") || "").trim();
    const minutes = Number(data.get("planned_minutes"));
    const body = { title, description: String(data.get("description") || ""), planned_minutes: minutes, outcome: data.get("outcome") };
    const proposing = form.dataset.mode === "propose";
    if (!proposing) {
      body.presenter = presenterValue(String(data.get("presenter") || ""));
      body.links = String(data.get("links") || "").split(/\s+/).filter(Boolean);
    }
    try {
      if (proposing) {
        await api(`/api/v1/meetings/${state.meeting}/agenda/proposals`, { method: "POST", json: body });
        say(t("agenda.proposed"));
      } else {
        const item = await api(`/api/v1/meetings/${state.meeting}/agenda`, { method: "POST", json: body });
        put(item);
        render();
        say(t("agenda.added", { title: item.title }));
      }
      form.reset();
      error.hidden = true;
      form.querySelector("input").focus();
    } catch (failure) {
      error.textContent = `${t("agenda.failed")} ${errorText(failure)}`;
      error.hidden = false;
    }
  });
}

// The items in order, as the page shows them (for the live meeting).
export function agendaItems() {
  return state.items;
}

// Draw the agenda again (the live meeting changed what an item shows).
export function refreshAgenda() {
  if (list()) render();
}

// The frames of docs/protocol.md for this meeting; `agenda` (the whole of it) after each
// (re)subscription.
export function agendaFrame(frame) {
  if (frame.meeting !== state.meeting) return;
  if (frame.type === "agenda") {
    state.items = frame.items;
    state.version = frame.version;
  } else if (frame.type === "agenda_item") {
    put(frame.item);
  } else if (frame.type === "agenda_item_removed") {
    state.items = state.items.filter((item) => item.id !== frame.item);
    state.version = frame.order_version;
  } else if (frame.type === "agenda_order") {
    order(frame.items, frame.version);
  } else if (frame.type === "agenda_proposal") {
    proposalFrame(frame.proposal);
    return;
  } else {
    return;
  }
  render();
}

// config: the page's config (meetings/views.py): meeting, agenda, proposals, presenters;
// options.decorate(item, node): more for an item's element (the live meeting's).
export function startAgenda(config, options = {}) {
  if (!list()) return;
  if (options.decorate) decorate = options.decorate;
  Object.assign(state, {
    meeting: config.meeting,
    version: config.agenda.version,
    items: config.agenda.items,
    mayEdit: config.agenda.may_edit,
    length: config.agenda.meeting_minutes,
    cancelled: config.cancelled,
  });
  presenters = config.presenters || [];
  render();
  if (state.mayEdit && !state.cancelled) {
    enableDragging();
    startTemplates({ meeting: state.meeting, version: () => state.version, say });
  }
  enableAdding();
  startProposals({ meeting: config.meeting, proposals: config.proposals, mayDecide: state.mayEdit && !state.cancelled });
}
