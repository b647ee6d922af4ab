// Rakor meeting pages: on the form, the searchable pickers (meetings/pickers.js) and the
// repeat fields (meetings/repeat.js); on a
// meeting's page, confirmation before cancelling (lib/confirm.js), the agenda
// (meetings/agenda.js), the meeting mode (meetings/mode.js), the notulen
// (meetings/notulen.js), all live over the socket
// (meetings/live.js), from the page's config (meetings/views.py, meeting_detail); the join
// button, enabled when the video room opens (meetings/join.js).

import { confirmForms } from "./lib/confirm.js";
import { startAgenda } from "./meetings/agenda.js";
import { openJoinButton } from "./meetings/join.js";
import { followMeeting } from "./meetings/live.js";
import { decorateItem, startLive } from "./meetings/mode.js";
import { startNotulen } from "./meetings/notulen.js";
import { enhancePickers } from "./meetings/pickers.js";
import { showRepeatFields } from "./meetings/repeat.js";

enhancePickers(document);
showRepeatFields(document);
confirmForms(document);
openJoinButton(document);
const configNode = document.getElementById("meeting-config");
if (configNode) {
  const config = JSON.parse(configNode.textContent);
  startAgenda(config, { decorate: decorateItem });
  startLive(config);
  startNotulen(config);
  followMeeting(config);
}
