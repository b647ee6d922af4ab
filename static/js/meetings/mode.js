// The meeting, live, on its page (docs/protocol.md, "The live meeting"): whether it runs, the
// item under discussion with its timer, the speakers' queue, attendance; for the chair and
// the organiser the controls (open, next item, call the next speaker with a limit, mark
// present or gone, close); for participants "Ask to speak". Times come from the server's
// clock (`server_time` in every frame): the page keeps the offset between the two clocks,
// so a page that joined late or reconnected shows the same timer as everyone else.

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { createClock } from "../lib/time.js";
import { agendaItems, refreshAgenda } from "./agenda.js";

const state = { meeting: null, mode: null, speakers: null, attendance: null, mayRun: false, mayTakePart: false, me: "", offset: 0 };
let clock = null;
const LIMITS = [0, 120, 180, 300, 600]; // seconds; 0: no limit

const now = () => Date.now() + state.offset;

function learnClock(serverTime) {
  if (serverTime) state.offset = Date.parse(serverTime) - Date.now();
}

function clockText(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

function fail(error) {
  const node = $("#live-error");
  node.textContent = `${t("live.failed")} ${errorText(error)}`;
  node.hidden = false;
}

async function call(path, json) {
  $("#live-error").hidden = true;
  try {
    return await api(`/api/v1/meetings/${state.meeting}/${path}`, { method: "POST", json: json || {} });
  } catch (error) {
    fail(error);
    return null;
  }
}

function button(text, onclick, primary = false) {
  return el("button", { type: "button", class: primary ? "button button--primary" : "button", text, onclick });
}

function currentItem() {
  return agendaItems().find((item) => item.id === state.mode?.current_item) || null;
}

function nextItem() {
  const items = agendaItems();
  const at = items.findIndex((item) => item.id === state.mode?.current_item);
  return items.slice(at + 1).find((item) => item.status !== "done") || null;
}

function showMode() {
  const mode = state.mode;
  const running = mode.state === "running";
  $("#live-state").textContent = running
    ? t("live.running", { since: clock.when(mode.opened_at) })
    : mode.state === "ended" ? t("live.ended", { at: clock.when(mode.closed_at) }) : t("live.notStarted");
  const item = currentItem();
  $("#live-current").hidden = !(running && mode.current_item);
  $("#live-item").textContent = item ? item.title : "";
  const controls = $("#live-controls");
  controls.replaceChildren();
  if (state.mayRun && mode.state === "not_started") controls.append(button(t("live.open"), () => call("start"), true));
  if (state.mayRun && running) {
    const next = nextItem();
    if (next) controls.append(button(mode.current_item ? t("live.nextItem", { title: next.title }) : t("live.firstItem", { title: next.title }), () => call("current-item", { item: next.id }), true));
    controls.append(button(t("live.close"), () => { if (window.confirm(t("live.confirmClose"))) call("end"); }));
  }
  controls.hidden = !controls.children.length;
  $("#live-speakers").hidden = !(running && mode.current_item);
  tick();
}

function speakerLine(turn) {
  return turn.agency ? `${turn.name} · ${turn.agency}` : turn.name;
}

function showSpeakers() {
  const speakers = state.speakers;
  if (!speakers) return;
  const queue = speakers.queue.map((turn) => el("li", { "data-username": turn.username, text: speakerLine(turn) }));
  $("#live-queue").replaceChildren(...queue);
  $("#live-queue").hidden = !queue.length;
  $("#live-nobody").hidden = queue.length > 0;
  const actions = $("#live-speaker-actions");
  actions.replaceChildren();
  const mine = speakers.queue.some((turn) => turn.username === state.me) || speakers.speaking?.username === state.me;
  if (state.mayTakePart) {
    actions.append(mine
      ? button(t("live.withdraw"), () => call("speakers", { action: "withdraw" }))
      : button(t("live.ask"), () => call("speakers", { action: "ask" }), true));
  }
  if (state.mayRun) {
    const limit = el("select", { id: "live-limit", "aria-label": t("live.limit") },
      ...LIMITS.map((seconds) => el("option", { value: String(seconds), text: seconds ? t("live.limitMinutes", { count: seconds / 60 }) : t("live.noLimit") })));
    limit.value = sessionStorage.getItem("rakor.speakingLimit") || "0";
    limit.addEventListener("change", () => sessionStorage.setItem("rakor.speakingLimit", limit.value));
    const callNext = button(t("live.callNext"), () => {
      const seconds = Number(limit.value);
      call("speakers", { action: "call_next", ...(seconds ? { limit_seconds: seconds } : {}) });
    }, true);
    callNext.disabled = !speakers.queue.length;
    actions.append(callNext, limit);
    if (speakers.speaking) actions.append(button(t("live.finish"), () => call("speakers", { action: "finish" })));
  }
  tick();
}

// The timers, every second, on the server's clock.
function tick() {
  const mode = state.mode;
  if (mode?.state === "running" && mode.current_item_since) {
    const spent = now() - Date.parse(mode.current_item_since);
    const planned = (mode.current_item_planned_minutes || 0) * 60000;
    const node = $("#live-timer");
    node.textContent = t("live.timer", { spent: clockText(spent), planned: clockText(planned) });
    node.classList.toggle("live__timer--over", planned > 0 && spent > planned);
  }
  const speaking = state.speakers?.speaking;
  const line = $("#live-speaking");
  if (!speaking) {
    line.textContent = t("live.nobodySpeaking");
    line.classList.remove("live__speaking--over");
    return;
  }
  const spoke = now() - Date.parse(speaking.called_at);
  const limit = speaking.limit_seconds ? speaking.limit_seconds * 1000 : 0;
  line.textContent = limit
    ? t("live.speakingLimited", { name: speakerLine(speaking), spent: clockText(spoke), limit: clockText(limit) })
    : t("live.speaking", { name: speakerLine(speaking), spent: clockText(spoke) });
  line.classList.toggle("live__speaking--over", limit > 0 && spoke > limit);
}

function showAttendance() {
  const attendance = state.attendance;
  if (!attendance) return;
  $("#live-attendance-summary").textContent = t("live.attendance", { present: attendance.present, count: attendance.attendance.length });
  const rows = attendance.attendance.map((row) => {
    const mark = row.mark ? t(row.mark.status === "present" ? "live.markedPresent" : "live.markedGone", { at: clock.when(row.mark.at) }) : "—";
    const cell = el("td", {}, mark);
    if (state.mayRun) {
      cell.append(" ", el("button", { type: "button", class: "button button--small", text: row.present ? t("live.markGone") : t("live.markPresent"),
        onclick: () => call("attendance", { username: row.username, status: row.present ? "gone" : "present" }) }));
    }
    return el("tr", { "data-username": row.username },
      el("td", { text: row.name }), el("td", { text: row.agency || "—" }),
      el("td", { text: row.joined_at ? clock.when(row.joined_at) : "—" }), cell);
  });
  $("#live-attendance-rows").replaceChildren(...rows);
}

// The item under discussion stands out in the agenda; the chair may start any other item.
export function decorateItem(item, node) {
  if (state.mode?.state === "running" && item.id === state.mode.current_item) node.classList.add("agenda__item--current");
  if (state.mayRun && state.mode?.state === "running" && item.id !== state.mode.current_item) {
    const actions = node.querySelector(".agenda__actions") || node.appendChild(el("div", { class: "agenda__actions" }));
    actions.append(el("button", { type: "button", class: "button button--small button--primary", text: t("live.discussNow"), onclick: () => call("current-item", { item: item.id }) }));
  }
}

// Draw the live meeting again (the agenda changed: the next item may be another).
export function refreshLive() {
  if (state.mode) showMode();
}

export function liveFrame(frame) {
  if (frame.meeting !== state.meeting) return;
  if (frame.type === "meeting_state") {
    learnClock(frame.mode.server_time);
    Object.assign(state, { mode: frame.mode, speakers: frame.speakers, attendance: frame.attendance, mayRun: frame.may_run, mayTakePart: frame.may_take_part });
  } else if (frame.type === "meeting_mode") {
    learnClock(frame.server_time);
    state.mode = frame;
  } else if (frame.type === "speakers") {
    learnClock(frame.server_time);
    state.speakers = frame;
  } else if (frame.type === "attendance") {
    state.attendance = frame;
  } else {
    return;
  }
  showMode();
  showSpeakers();
  showAttendance();
  refreshAgenda();
}

// config: the page's config (meetings/views.py): meeting, live, zone, zoneLabels, language.
export function startLive(config) {
  if (!$("#live")) return;
  clock = createClock({ zone: config.zone, language: config.language, labels: config.zoneLabels });
  state.meeting = config.meeting;
  state.me = config.username;
  liveFrame({ type: "meeting_state", meeting: config.meeting, ...config.live });
  setInterval(tick, 1000);
}
