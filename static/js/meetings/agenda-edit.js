// Editing one agenda item in place. The form keeps the version it was opened on: saving
// names it, so a change made meanwhile by someone else comes back as 409 with the item as it
// is now, and the form then shows both texts (theirs as saved, yours as typed) with a choice:
// save yours over it (on their version), or take theirs. Nothing typed is lost, also when the
// item is removed meanwhile: the form stays, saying so.

import { errorText } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const forms = new Map(); // item id → { node, item }

export function editing(id) {
  return forms.get(id) || null;
}

// The forms whose item is no longer on the agenda (removed while being edited).
export function editingRemoved(items) {
  const present = new Set(items.map((item) => item.id));
  const gone = [...forms].filter(([id]) => !present.has(id));
  for (const [, form] of gone) {
    if (!form.node.querySelector(".agenda__gone")) {
      form.node.prepend(el("p", { class: "alert alert--warning agenda__gone", role: "status", text: t("agenda.removedMeanwhile") }));
      form.node.querySelector("button[type=submit]").disabled = true;
    }
  }
  return gone;
}

function field(label, control) {
  return el("div", { class: "field" }, el("label", { for: control.id, text: label }), control);
}

function options(values, prefix, chosen) {
  return values.map((value) => el("option", { value, selected: value === chosen, text: t(`${prefix}.${value}`) }));
}

function presenterKey(presenter) {
  if (!presenter) return "";
  return presenter.username ? `u:${presenter.username}` : `a:${presenter.agency}`;
}

function presenterOf(key) {
  if (!key) return null;
  return key.startsWith("u:") ? { username: key.slice(2) } : { agency: key.slice(2) };
}

// item: the item as saved; save(changes, version) → the saved item or a thrown 409;
// done(saved | null) closes the form.
export function editForm(item, { save, done, presenters }) {
  const id = (name) => `agenda-${item.id}-${name}`;
  const title = el("input", { type: "text", id: id("title"), maxlength: "200", required: true, value: item.title });
  const minutes = el("input", { type: "number", id: id("minutes"), min: "1", max: "600", inputmode: "numeric", value: String(item.planned_minutes) });
  const outcome = el("select", { id: id("outcome") }, ...options(["information", "discussion", "decision"], "agenda.outcome", item.outcome));
  const status = el("select", { id: id("status") }, ...options(["pending", "in_discussion", "done", "deferred"], "agenda.status", item.status));
  // The item's own presenter is offered even when not among the meeting's participants.
  const choices = presenters.slice();
  if (item.presenter && !choices.some((c) => (c.username ? `u:${c.username}` : `a:${c.agency}`) === presenterKey(item.presenter))) {
    choices.push(item.presenter);
  }
  const presenter = el("select", { id: id("presenter") }, el("option", { value: "", text: "—" }),
    ...choices.map((choice) => {
      const key = choice.username ? `u:${choice.username}` : `a:${choice.agency}`;
      return el("option", { value: key, selected: key === presenterKey(item.presenter), text: choice.name });
    }));
  const description = el("textarea", { id: id("description"), rows: "3", maxlength: "5000" });
  description.value = item.description;
  const links = el("textarea", { id: id("links"), rows: "2" });
  links.value = item.links.join("\n");
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const conflict = el("div", { class: "agenda__conflict", hidden: true });
  const node = el("li", { class: "agenda__item agenda__item--editing", id: `agenda-item-${item.id}`, "data-id": item.id });
  const form = el("form", { class: "form", novalidate: true },
    field(t("agenda.title"), title),
    el("div", { class: "form-row" }, field(t("agenda.plannedMinutes"), minutes), field(t("agenda.outcome"), outcome), field(t("agenda.status"), status)),
    field(t("agenda.presenterLabel"), presenter),
    field(t("agenda.description"), description),
    field(t("agenda.links"), links),
    conflict, error,
    el("div", { class: "agenda__actions" },
      el("button", { type: "submit", class: "button button--primary button--small", text: t("agenda.save") }),
      el("button", { type: "button", class: "button button--small", text: t("agenda.cancel"), onclick: () => close(null) })));
  node.append(form);
  let version = item.version;

  // Only what this form changed, against the item as it was opened: saving over someone
  // else's change keeps the fields they changed and this form did not.
  const changes = () => {
    const all = {
      title: title.value.trim(),
      planned_minutes: Number(minutes.value),
      outcome: outcome.value,
      status: status.value,
      description: description.value,
      links: links.value.split(/\s+/).filter(Boolean),
    };
    const changed = {};
    for (const [name, value] of Object.entries(all)) {
      if (JSON.stringify(value) !== JSON.stringify(item[name])) changed[name] = value;
    }
    if (presenter.value !== presenterKey(item.presenter)) changed.presenter = presenterOf(presenter.value);
    return changed;
  };

  function close(saved) {
    forms.delete(item.id);
    done(saved);
  }

  async function submit(on) {
    try {
      close(await save(changes(), on));
    } catch (failure) {
      if (failure.status === 409 && failure.body?.current) showConflict(failure.body.current);
      else { error.textContent = `${t("agenda.failed")} ${errorText(failure)}`; error.hidden = false; }
    }
  }

  function showConflict(current) {
    version = current.version;
    const mine = { title: title.value.trim(), description: description.value };
    conflict.replaceChildren(
      el("p", { class: "alert alert--warning", role: "alert", text: t("agenda.conflict") }),
      el("p", { text: t("agenda.theirs") }), el("pre", { class: "agenda__theirs", text: `${current.title}\n\n${current.description}` }),
      el("p", { text: t("agenda.yours") }), el("pre", { class: "agenda__yours", text: `${mine.title}\n\n${mine.description}` }),
      el("div", { class: "agenda__actions" },
        el("button", { type: "button", class: "button button--primary button--small", text: t("agenda.keepMine"), onclick: () => submit(version) }),
        el("button", { type: "button", class: "button button--small", text: t("agenda.takeTheirs"), onclick: () => close(current) })));
    conflict.hidden = false;
    error.hidden = true;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); submit(version); });
  forms.set(item.id, { node, item });
}
