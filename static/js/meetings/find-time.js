// The meeting form's scheduling assistant ([data-find-time], templates/meetings/form.html):
// "Find a time" asks POST /api/v1/availability for the people chosen in the form's pickers
// (the organiser, chair and note taker and the participants required; the optional ones
// optional; whole agencies) and the length set under When, and lists the proposals with
// their times in WIB, WITA and WIT and who cannot come. Choosing one sets the form's date and
// times in the meeting's zone; the organiser then saves as usual. Without scripts the block
// stays hidden and the form works as before.

import { api, errorText } from "../lib/api.js";
import { language, t } from "../lib/i18n.js";

const ZONES = [["wib", "WIB"], ["wita", "WITA"], ["wit", "WIT"]];
const locale = language === "en" ? "en-GB" : "id-ID";

function chosen(id) {
  const select = document.getElementById(id);
  if (!select) return [];
  return [...select.selectedOptions].map((option) => option.value).filter(Boolean);
}

// Who the meeting needs, each once: required wins over optional.
function wanted(box) {
  const people = new Map();
  const add = (username, required) => {
    if (!username) return;
    people.set(username, people.get(username) || required);
  };
  add(box.dataset.organiser, true);
  for (const username of [...chosen("id_chair"), ...chosen("id_note_taker"), ...chosen("id_required")]) {
    add(username, true);
  }
  for (const username of chosen("id_optional")) add(username, false);
  const participants = [...people].map(([username, required]) => ({ username, required }));
  const agencies = chosen("id_agencies").map((code) => ({ code, required: true }));
  return { participants, agencies };
}

function minutesOf(value) {
  const match = /^(\d{1,2}):(\d{2})/.exec(value || "");
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

// The length set under When (an hour when the times are not set yet or do not make sense).
function duration() {
  const start = minutesOf(document.getElementById("id_start_time")?.value);
  const end = minutesOf(document.getElementById("id_end_time")?.value);
  const length = start !== null && end !== null ? end - start : 0;
  return length >= 15 ? length : 60;
}

// YYYY-MM-DD and HH:MM of an instant in a zone.
function parts(instant, zone) {
  const values = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  for (const part of format.formatToParts(new Date(instant))) values[part.type] = part.value;
  return { date: `${values.year}-${values.month}-${values.day}`, time: `${values.hour}:${values.minute}` };
}

function addDays(isoDate, days) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function clock(instant, zone) {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(new Date(instant));
}

function dayLabel(instant, zone) {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: "long", day: "numeric", month: "long" })
    .format(new Date(instant));
}

const ZONE_NAMES = { wib: "Asia/Jakarta", wita: "Asia/Makassar", wit: "Asia/Jayapura" };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function reason(code) {
  return t(`findTime.reason.${code}`);
}

// "Sari (in another meeting), Dinas X (nobody free)" for those who cannot come.
function missing(items, required) {
  return items
    .filter((item) => !item.free && item.required === required)
    .map((item) => `${item.name} (${reason(item.reason)})`)
    .join(", ");
}

function render(box, proposal, choose) {
  const item = element("li", "find-time__item");
  const button = element("button", "find-time__choice");
  button.type = "button";
  button.dataset.start = proposal.start;
  button.dataset.end = proposal.end;
  button.setAttribute("aria-pressed", "false");
  const when = element("span", "find-time__when", dayLabel(proposal.start, box.dataset.zone));
  const times = element("span", "find-time__zones");
  for (const [key, label] of ZONES) {
    const zone = ZONE_NAMES[key];
    const text = `${clock(proposal[key].start, zone)}–${clock(proposal[key].end, zone)} ${label}`;
    times.append(element("span", `find-time__zone find-time__zone--${key}`, text));
  }
  button.append(when, times);
  const cannot = missing([...proposal.participants, ...proposal.agencies], true);
  if (cannot) button.append(element("span", "find-time__cannot", t("findTime.cannot", { names: cannot })));
  const optional = missing([...proposal.participants, ...proposal.agencies], false);
  if (optional) {
    button.append(element("span", "find-time__optional", t("findTime.optionalCannot", { names: optional })));
  }
  for (const agency of proposal.agencies.filter((a) => a.free)) {
    const names = agency.officials.map((o) => o.name).join(", ");
    button.append(element("span", "find-time__through", t("findTime.through", { agency: agency.name, names })));
  }
  button.addEventListener("click", () => choose(button, proposal));
  item.append(button);
  return item;
}

function setField(id, value) {
  const input = document.getElementById(id);
  if (!input) return;
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

export function startFindTime(box) {
  const button = box.querySelector("[data-find-time-button]");
  const status = box.querySelector("[data-find-time-status]");
  const list = box.querySelector("[data-find-time-list]");
  const days = box.querySelector("#find-time-days");
  box.hidden = false;

  const choose = (choice, proposal) => {
    // The form's date and times are read in the meeting's zone.
    const zone = document.getElementById("id_timezone")?.value || box.dataset.zone;
    const start = parts(proposal.start, zone);
    const end = parts(proposal.end, zone);
    setField("id_date", start.date);
    setField("id_start_time", start.time);
    setField("id_end_time", end.time);
    for (const other of list.querySelectorAll("[aria-pressed]")) other.setAttribute("aria-pressed", "false");
    choice.setAttribute("aria-pressed", "true");
    const when = `${dayLabel(proposal.start, box.dataset.zone)}, ${choice.querySelector(".find-time__zones").textContent}`;
    status.textContent = t("findTime.chosen", { when });
  };

  button.addEventListener("click", async () => {
    const { participants, agencies } = wanted(box);
    list.replaceChildren();
    if (participants.length + agencies.length <= 1) {  // the organiser alone
      status.textContent = t("findTime.nobody");
      return;
    }
    const today = parts(Date.now(), box.dataset.zone).date;
    const picked = document.getElementById("id_date")?.value;
    const startDate = picked && picked > today ? picked : today;
    const body = {
      participants,
      agencies,
      duration_minutes: duration(),
      start_date: startDate,
      end_date: addDays(startDate, Number(days.value) - 1),
      limit: 12,
    };
    button.disabled = true;
    box.setAttribute("aria-busy", "true");
    status.textContent = t("findTime.searching");
    try {
      const answer = await api("/api/v1/availability", { method: "POST", json: body });
      const proposals = answer.proposals;
      if (!proposals.length) {
        status.textContent = t("findTime.none");
      } else if (answer.everyone) {
        status.textContent = t("findTime.found", { count: proposals.length });
      } else {
        status.textContent = t("findTime.best", {
          free: proposals[0].required_free, total: proposals[0].required_total,
        });
      }
      list.replaceChildren(...proposals.map((proposal) => render(box, proposal, choose)));
    } catch (error) {
      status.textContent = `${t("findTime.failed")} ${errorText(error)}`;
    } finally {
      button.disabled = false;
      box.removeAttribute("aria-busy");
    }
  });
}

for (const box of document.querySelectorAll("[data-find-time]")) startFindTime(box);
