// Whether the reader is at the newest message: set by their scrolling (timeline.js), kept
// while pictures above load (an image's height arrives after its message), so they stay at
// the bottom.

import { els, state } from "./state.js";

export const nearBottom = () => els.log.scrollHeight - els.log.scrollTop - els.log.clientHeight < 80;

export function toBottom() {
  els.log.scrollTop = els.log.scrollHeight;
}

export function keepPinned() {
  if (state.pinned) toBottom();
}
