// The decision log's pages (templates/meetings/decisions.html, decision.html, actions.html,
// action.html), live over the /ws/ socket (docs/protocol.md): the official's own channel
// brings the `decision` and `action_updated` frames of everything they may see (the meetings
// they take part in, the actions their agency owes). A frame about what the page shows
// reveals its "changed meanwhile" notice with a link that reads the page again, so nothing a
// reader is in the middle of (a form half typed) is replaced under them.

import { confirmForms } from "./lib/confirm.js";
import { createSocket } from "./lib/socket.js";
import { enhancePickers } from "./meetings/pickers.js";

enhancePickers(document);
confirmForms(document);

const scopes = [...document.querySelectorAll("[data-live-meeting]")];

function concerns(scope, frame) {
  const meeting = Number(scope.dataset.liveMeeting || 0);
  const decision = Number(scope.dataset.liveDecision || 0);
  const action = Number(scope.dataset.liveAction || 0);
  if (action) return frame.type === "action_updated" && frame.action?.id === action;
  if (decision) {
    if (frame.type === "decision") return frame.decision?.id === decision;
    return frame.action?.decision === decision;
  }
  if (meeting) return frame.meeting === meeting;
  return scope.dataset.liveAny === "1" || frame.type === "decision";
}

if (scopes.length) {
  const socket = createSocket({ ping: true });
  socket.start({
    frame: (frame) => {
      if (frame.type !== "decision" && frame.type !== "action_updated") return;
      for (const scope of scopes) {
        const note = scope.querySelector("[data-live-note]");
        if (note && concerns(scope, frame)) note.hidden = false;
      }
    },
  });
}
