// A meeting's page, live over the /ws/ socket (docs/protocol.md: subscribe, rsvp_updated,
// meeting_updated; the agenda's frames for meetings/agenda.js, the live meeting's for
// meetings/mode.js, notulen_updated for meetings/notulen.js; decision and action_updated show
// the decisions section's notice): the answers tally and each participant's answer as they come; the
// organiser told at once when the chair or the note taker declines; a notice when the meeting
// itself changed. body[data-live] is "1" while subscribed, "0" while the socket is away.

import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { createSocket } from "../lib/socket.js";
import { agendaFrame } from "./agenda.js";
import { liveFrame, refreshLive } from "./mode.js";
import { notulenFrame, refreshNotulen, resyncNotulen } from "./notulen.js";
import { resyncProposals } from "./proposals.js";

// The words for a lead who declined, by role (the "meetings" catalogue).
const DECLINED = { chair: "meetings.chairDeclined", note_taker: "meetings.noteTakerDeclined" };

function showTally(tally) {
  for (const [answer, count] of Object.entries(tally || {})) {
    const node = document.querySelector(`[data-tally="${answer}"]`);
    if (node) node.textContent = String(count);
  }
}

// A participant's cell takes the tag the server renders for that answer (<template>s).
function showAnswer(username, response) {
  const row = document.querySelector(`#participants tr[data-username="${CSS.escape(username)}"]`);
  if (!row) return;
  const cell = row.querySelector("td[data-rsvp]");
  const sample = document.querySelector(`template[data-rsvp="${response}"]`);
  if (cell && sample) cell.replaceChildren(sample.content.cloneNode(true));
}

// The warning goes again when they accept after all.
function showLeadDeclined(frame) {
  const box = document.getElementById("leads-declined");
  if (!box || !DECLINED[frame.role]) return;
  const line = [...box.children].find((p) => p.dataset.username === frame.username);
  if (frame.response === "declined" && !line) {
    box.append(el("p", { "data-username": frame.username, text: t(DECLINED[frame.role], { name: frame.name }) }));
  } else if (frame.response !== "declined" && line) {
    line.remove();
  }
  box.hidden = !box.children.length;
}

let notice = null;
function showChanged() {
  if (notice) return;
  notice = el("div", { class: "alert alert--info", role: "status" },
    el("p", {}, el("a", { href: location.pathname, text: t("meetings.changed") })));
  document.querySelector(".page-head")?.append(notice);
}

// config: {meeting, sequence (the meeting's version this page shows), mayEdit}.
export function followMeeting(config) {
  let sequence = config.sequence;
  // Pinged: a socket gone half-open during a live meeting is noticed and reopened.
  const socket = createSocket({ ping: true });
  let again = false; // subscribed before: a reconnect
  socket.start({
    open: () => socket.send({ type: "subscribe", meeting: config.meeting }),
    frame(frame) {
      if (frame.type === "subscribed" && frame.meeting === config.meeting) {
        showTally(frame.tally); // answers given while the socket was away
        document.body.dataset.live = "1";
        if (sequence !== null && frame.sequence !== sequence) showChanged();
        sequence = frame.sequence;
        // What changed while away: the agenda, the meeting mode, the queue, attendance,
        // the proposals and the notulen.
        socket.send({ type: "agenda", meeting: config.meeting });
        socket.send({ type: "meeting_state", meeting: config.meeting });
        if (again) {
          resyncProposals();
          resyncNotulen();
        }
        again = true;
      } else if (frame.type === "rsvp_updated" && frame.meeting === config.meeting) {
        showTally(frame.tally);
        showAnswer(frame.username, frame.response);
        showLeadDeclined(frame);
      } else if (frame.type === "meeting_updated" && frame.meeting?.id === config.meeting) {
        showChanged();
      } else if (frame.type.startsWith("agenda")) {
        agendaFrame(frame);
        refreshLive();
        refreshNotulen();
      } else if (["meeting_state", "meeting_mode", "speakers", "attendance"].includes(frame.type)) {
        liveFrame(frame);
      } else if (frame.type === "decision" || frame.type === "action_updated") {
        if (frame.meeting === config.meeting) {
          const note = document.querySelector("#decisions [data-live-note]");
          if (note) note.hidden = false;
        }
      } else if (frame.type === "notulen_updated") {
        notulenFrame(frame);
      }
    },
    close: () => { document.body.dataset.live = "0"; },
    // Signed out: no reconnecting; the page's links lead to sign-in.
  });
}
