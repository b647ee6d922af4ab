// "Add to agenda" on a message: the official chooses one of the coming meetings they take
// part in (#agenda-dialog), and the message is proposed as an item of its agenda, linked
// back to the message (POST /api/v1/meetings/{id}/agenda/proposals with the message's id).
// Those who edit the meeting's agenda (its organiser, its chair, those they allow) decide on it.

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { clock, els } from "./state.js";

const AHEAD_DAYS = 90;
let message = null;

async function comingMeetings() {
  const start = new Date();
  const end = new Date(start.getTime() + AHEAD_DAYS * 86400000);
  const page = await api(`/api/v1/meetings?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`);
  return page.items.filter((meeting) => meeting.my_rsvp !== null && meeting.status === "scheduled");
}

export async function proposeToAgenda(frame) {
  const dialog = $("#agenda-dialog");
  if (!dialog) return;
  message = frame;
  const select = $("#agenda-meeting");
  const problem = $("#agenda-error");
  problem.hidden = true;
  $("#agenda-quote").textContent = (frame.body || "").slice(0, 200);
  select.replaceChildren(el("option", { value: "", text: t("messages.loadingMeetings") }));
  dialog.showModal();
  try {
    const meetings = await comingMeetings();
    select.replaceChildren(...meetings.map((meeting) => el("option", { value: String(meeting.id), text: `${meeting.title} · ${clock.when(meeting.start)}` })));
    if (!meetings.length) {
      select.replaceChildren(el("option", { value: "", text: t("messages.noMeetings") }));
    }
  } catch (error) {
    problem.textContent = errorText(error);
    problem.hidden = false;
  }
}

export function enableProposing() {
  const form = $("#agenda-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const meeting = $("#agenda-meeting").value;
    const problem = $("#agenda-error");
    if (!meeting) {
      problem.textContent = t("messages.chooseMeeting");
      problem.hidden = false;
      return;
    }
    try {
      await api(`/api/v1/meetings/${meeting}/agenda/proposals`, { method: "POST", json: { message: message.id } });
      $("#agenda-dialog").close();
      els.typing.textContent = t("messages.proposed");
    } catch (error) {
      problem.textContent = errorText(error);
      problem.hidden = false;
    }
  });
}
