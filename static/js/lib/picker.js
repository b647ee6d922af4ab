// A searchable picker of officials or agencies: a text box that suggests as you type (by
// name, username, position or agency), with what is chosen shown as removable chips.
//
// It follows the WAI-ARIA 1.2 combobox pattern: the box (role=combobox) owns a listbox; the
// arrow keys move the active suggestion (aria-activedescendant), Enter chooses it, Escape
// closes the list, Backspace in an empty box removes the last one chosen. Each choice and
// removal is announced in a polite live region.
//
//   createPicker({ id, search, multiple, chosen, onChange, exclude, emptyText, describedBy })
//     search(q) returns (or resolves to) items { value, name, detail }; exclude() returns a
//     Set of values not to suggest (chosen elsewhere); emptyText is shown while nothing is
//     chosen in a single picker ("Me (the organiser)"). Returns { element, input, values }.
//   enhanceSelect(select, { exclude }) puts a picker in place of a <select> (single or
//     multiple) whose options carry data-name and data-detail; the select stays in the form,
//     hidden, and is kept in step, so the form posts exactly as it did without the picker.

import { el } from "./dom.js";
import { t } from "./i18n.js";

const SHOWN = 30; // suggestions listed at once; more narrow down as one types

let pickers = 0;

export function createPicker({
  id,
  search,
  multiple = true,
  chosen = [],
  onChange = () => {},
  exclude = () => new Set(),
  emptyText = "",
  describedBy,
}) {
  const base = id || `picker-${++pickers}`;
  const picked = new Map(chosen.map((item) => [item.value, item]));
  const list = el("ul", {
    id: `${base}-options`, class: "picker__options", role: "listbox", hidden: true,
    "aria-label": t("picker.suggestions"),
  });
  const input = el("input", {
    type: "text", id: `${base}-search`, class: "picker__input", role: "combobox",
    autocomplete: "off", spellcheck: "false", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": list.id, "aria-describedby": describedBy,
    placeholder: multiple ? t("picker.placeholderMany") : t("picker.placeholderOne"),
  });
  const chips = el("ul", { class: "picker__chosen", "aria-label": t("picker.chosen") });
  const status = el("p", { class: "visually-hidden", "aria-live": "polite" });
  const element = el("div", { class: `picker${multiple ? "" : " picker--single"}` },
    chips, input, list, status);
  let shown = []; // the suggestions listed, in order
  let active = -1;
  let asked = 0; // answers to older searches are dropped
  let timer = null;

  const values = () => [...picked.keys()];
  const announce = (text) => { status.textContent = text; };

  function renderChips() {
    const items = [...picked.values()].map((item) => el("li", { class: "picker__chip" },
      el("span", { class: "picker__chip-name", text: item.name, title: item.detail || null }),
      el("button", {
        type: "button", class: "picker__remove", text: "×",
        "aria-label": t("picker.remove", { name: item.name }),
        onclick: () => { remove(item.value); input.focus(); },
      })));
    if (!items.length && emptyText) {
      items.push(el("li", { class: "picker__chip picker__chip--empty", text: emptyText }));
    }
    chips.replaceChildren(...items);
    chips.hidden = !items.length;
  }

  function choose(item) {
    if (!multiple) picked.clear();
    picked.set(item.value, item);
    renderChips();
    onChange(values());
    announce(multiple ? t("picker.added", { name: item.name, count: picked.size })
      : t("picker.chose", { name: item.name }));
    input.value = "";
    close();
  }

  function remove(value) {
    const item = picked.get(value);
    if (!item) return;
    picked.delete(value);
    renderChips();
    onChange(values());
    announce(t("picker.removed", { name: item.name, count: picked.size }));
  }

  function setActive(index) {
    const options = list.querySelectorAll('[role="option"]:not([aria-disabled="true"])');
    if (!options.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (index + options.length) % options.length;
    options.forEach((option, n) => option.setAttribute("aria-selected", String(n === active)));
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  async function suggest() {
    const q = input.value.trim();
    const mine = ++asked;
    let found;
    try {
      found = await search(q);
    } catch {
      found = null;
    }
    if (mine !== asked) return;
    const skip = exclude();
    const candidates = (found || []).filter((item) => !picked.has(item.value) && !skip.has(item.value));
    shown = candidates.slice(0, SHOWN);
    const rows = shown.map((item, n) => el("li", {
      id: `${base}-option-${n}`, class: "picker__option", role: "option", "aria-selected": "false",
      onmousedown: (event) => event.preventDefault(), // keep the focus in the box
      onclick: () => { choose(item); input.focus(); },
    }, el("span", { class: "picker__name", text: item.name }),
    item.detail ? el("span", { class: "picker__detail", text: item.detail }) : null));
    if (found === null) {
      rows.push(el("li", { class: "picker__note", role: "option", "aria-disabled": "true", text: t("picker.failed") }));
    } else if (!shown.length && q) {
      rows.push(el("li", { class: "picker__note", role: "option", "aria-disabled": "true", text: t("picker.none", { q }) }));
    } else if (candidates.length > shown.length) {
      rows.push(el("li", {
        class: "picker__note", role: "option", "aria-disabled": "true",
        text: t("picker.more", { count: candidates.length - shown.length }),
      }));
    }
    list.replaceChildren(...rows);
    if (!rows.length) { close(); return; }
    open();
    active = -1;
    if (shown.length && q) setActive(0);
    announce(shown.length ? t("picker.found", { count: candidates.length }) : "");
  }

  const suggestSoon = (delay = 120) => {
    clearTimeout(timer);
    timer = setTimeout(suggest, delay);
  };

  input.addEventListener("input", () => suggestSoon());
  input.addEventListener("focus", () => { if (input.value.trim()) suggestSoon(0); });
  input.addEventListener("click", () => { if (list.hidden) suggestSoon(0); });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { suggestSoon(0); return; }
      setActive(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      // Enter chooses; it never submits the form (or closes the dialog) around the picker.
      event.preventDefault();
      if (!list.hidden && active >= 0 && shown[active]) choose(shown[active]);
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    } else if (event.key === "Backspace" && !input.value && picked.size && multiple) {
      remove(values().at(-1));
    } else if (event.key === "Tab") {
      close();
    }
  });

  renderChips();
  return {
    element,
    input,
    values,
    clear() { picked.clear(); renderChips(); input.value = ""; close(); },
  };
}

// Words that match anywhere in the item's name or detail, each of them.
export function matches(item, q) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = `${item.name} ${item.detail || ""}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function enhanceSelect(select, { exclude } = {}) {
  const items = [...select.options].filter((option) => option.value).map((option) => ({
    value: option.value,
    name: option.dataset.name || option.textContent.trim(),
    detail: option.dataset.detail || "",
  }));
  const byValue = new Map(items.map((item) => [item.value, item]));
  const chosen = [...select.selectedOptions].map((o) => byValue.get(o.value)).filter(Boolean);
  const help = select.getAttribute("aria-describedby");
  const picker = createPicker({
    id: select.id,
    multiple: select.multiple,
    chosen,
    describedBy: help,
    emptyText: select.multiple ? "" : (select.querySelector('option[value=""]')?.textContent.trim() || ""),
    exclude,
    search: (q) => (q ? items.filter((item) => matches(item, q)) : items),
    onChange(values) {
      const wanted = new Set(values);
      for (const option of select.options) {
        option.selected = option.value ? wanted.has(option.value) : !wanted.size;
      }
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
  });
  select.hidden = true;
  select.tabIndex = -1;
  select.setAttribute("aria-hidden", "true");
  select.after(picker.element);
  for (const label of select.labels) label.htmlFor = picker.input.id;
  return picker;
}
