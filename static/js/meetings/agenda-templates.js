// Agenda templates, for those who edit a meeting's agenda: save this agenda under a name for
// the official's agency (a monthly regional coordination meeting, say), or add a saved
// template's items at the end of this one. The items added come back over the socket.

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

// meeting: its id; version(): the order's version now; say(text): the status line.
export async function startTemplates({ meeting, version, say }) {
  const box = $("#agenda-templates");
  if (!box) return;
  const select = el("select", { id: "agenda-template", "aria-label": t("agenda.templates") });
  const name = el("input", { type: "text", id: "agenda-template-name", maxlength: "200", placeholder: t("agenda.templateName"), "aria-label": t("agenda.templateName") });
  const load = async () => {
    const page = await api("/api/v1/agenda-templates");
    select.replaceChildren(...page.items.map((template) => el("option", { value: String(template.id),
      text: t("agenda.templateOption", { name: template.name, count: template.items.length, minutes: template.planned_minutes }) })));
    apply.disabled = !page.items.length;
    if (!page.items.length) select.replaceChildren(el("option", { value: "", text: t("agenda.noTemplates") }));
  };
  const apply = el("button", { type: "button", class: "button button--small", text: t("agenda.applyTemplate"), onclick: async () => {
    try {
      await api(`/api/v1/meetings/${meeting}/agenda/apply-template`, { method: "POST", json: { template: Number(select.value), version: version() } });
      say(t("agenda.templateApplied"));
    } catch (error) {
      say(`${t("agenda.failed")} ${errorText(error)}`);
    }
  } });
  const save = el("button", { type: "button", class: "button button--small", text: t("agenda.saveTemplate"), onclick: async () => {
    if (!name.value.trim()) { name.focus(); return; }
    try {
      await api(`/api/v1/meetings/${meeting}/agenda/templates`, { method: "POST", json: { name: name.value.trim() } });
      say(t("agenda.templateSaved", { name: name.value.trim() }));
      name.value = "";
      await load();
    } catch (error) {
      say(`${t("agenda.failed")} ${errorText(error)}`);
    }
  } });
  box.replaceChildren(
    el("div", { class: "agenda__template-row" }, select, apply),
    el("div", { class: "agenda__template-row" }, name, save));
  box.hidden = false;
  try { await load(); } catch (error) { say(`${t("agenda.failed")} ${errorText(error)}`); }
}
