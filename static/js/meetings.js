// Rakor meeting pages: on the form, the searchable pickers (meetings/pickers.js); on a
// meeting's page, confirmation before cancelling (lib/confirm.js), the agenda
// (meetings/agenda.js), the meeting mode (meetings/mode.js), the notulen
// (meetings/notulen.js), all live over the socket
// (meetings/live.js), from the page's config (meetings/views.py, meeting_detail).

import { confirmForms } from "./lib/confirm.js";
import { startAgenda } from "./meetings/agenda.js";
import { followMeeting } from "./meetings/live.js";
import { decorateItem, startLive } from "./meetings/mode.js";
import { startNotulen } from "./meetings/notulen.js";
import { enhancePickers } from "./meetings/pickers.js";

enhancePickers(document);
confirmForms(document);
const configNode = document.getElementById("meeting-config");
if (configNode) {
  const config = JSON.parse(configNode.textContent);
  startAgenda(config, { decorate: decorateItem });
  startLive(config);
  startNotulen(config);
  followMeeting(config);
}
