// Rakor meeting pages: searchable pickers on the form, confirmation before cancelling, and on
// a meeting's page the answers tally, live over the /ws/ socket (docs/protocol.md: subscribe,
// rsvp_updated, meeting_updated).

import { enhanceSelect } from "./lib/picker.js";

// --- the form: searchable pickers for the chair, note taker, participants and agencies ---
// Each keeps its <select> in step, so the form posts as it would without scripts. Someone
// chosen in one role is not suggested in another that the meeting's rules exclude.
const pickerSelects = {};
const chosenIn = (...names) => () => new Set(names.flatMap((name) =>
  [...(pickerSelects[name]?.selectedOptions || [])].map((option) => option.value).filter(Boolean)));
const EXCLUDES = {
  id_required: chosenIn("id_optional"),
  id_optional: chosenIn("id_required", "id_chair"),
  id_chair: chosenIn("id_note_taker", "id_optional"),
  id_note_taker: chosenIn("id_chair"),
};
for (const select of document.querySelectorAll("select[data-picker]")) {
  pickerSelects[select.id] = select;
  enhanceSelect(select, { exclude: EXCLUDES[select.id] });
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// --- the meeting page: live answers ----------------------------------------------------
const configNode = document.getElementById("meeting-config");
if (configNode) {
  const config = JSON.parse(configNode.textContent);
  let backoff = 1000;
  let sequence = config.sequence; // the meeting's version this page shows
  let notice = null;

  const showTally = (tally) => {
    for (const [answer, count] of Object.entries(tally || {})) {
      const node = document.querySelector(`[data-tally="${answer}"]`);
      if (node) node.textContent = String(count);
    }
  };

  // A participant's cell takes the tag the server renders for that answer (<template>s).
  const showAnswer = (username, response) => {
    const row = document.querySelector(`#participants tr[data-username="${CSS.escape(username)}"]`);
    if (!row) return;
    const cell = row.querySelector("td[data-rsvp]");
    const sample = document.querySelector(`template[data-rsvp="${response}"]`);
    if (cell && sample) cell.replaceChildren(sample.content.cloneNode(true));
  };

  // The organiser hears at once when the chair or the note taker declines (and the warning
  // goes when they accept after all).
  const showLeadDeclined = (frame) => {
    const box = document.getElementById("leads-declined");
    const words = config.leadDeclined?.[frame.role];
    if (!box || !words) return;
    const line = [...box.children].find((p) => p.dataset.username === frame.username);
    if (frame.response === "declined" && !line) {
      const text = document.createElement("p");
      text.dataset.username = frame.username;
      text.textContent = words.replace("%(name)s", frame.name);
      box.append(text);
    } else if (frame.response !== "declined" && line) {
      line.remove();
    }
    box.hidden = !box.children.length;
  };

  const showChanged = () => {
    if (notice) return;
    notice = document.createElement("div");
    notice.className = "alert alert--info";
    notice.setAttribute("role", "status");
    const text = document.createElement("p");
    const link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = document.documentElement.lang === "en"
      ? "This meeting has changed. Reload to see it."
      : "Rapat ini berubah. Muat ulang untuk melihatnya.";
    text.append(link);
    notice.append(text);
    document.querySelector(".page-head")?.append(notice);
  };

  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/`);
    socket.addEventListener("open", () => {
      backoff = 1000;
      socket.send(JSON.stringify({ type: "subscribe", meeting: config.meeting }));
    });
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "subscribed" && frame.meeting === config.meeting) {
        showTally(frame.tally); // answers given while the socket was away
        document.body.dataset.live = "1";
        if (sequence !== null && frame.sequence !== sequence) showChanged();
        sequence = frame.sequence;
      } else if (frame.type === "rsvp_updated" && frame.meeting === config.meeting) {
        showTally(frame.tally);
        showAnswer(frame.username, frame.response);
        showLeadDeclined(frame);
      } else if (frame.type === "meeting_updated" && frame.meeting?.id === config.meeting) {
        showChanged();
      }
    });
    socket.addEventListener("close", (event) => {
      document.body.dataset.live = "0";
      if (event.code === 4401) return; // signed out: the page's links lead to sign-in
      const delay = Math.min(backoff, 30000) * (0.75 + Math.random() / 2);
      backoff *= 2;
      setTimeout(connect, delay);
    });
  };
  connect();
}
