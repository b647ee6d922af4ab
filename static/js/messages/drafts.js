// Drafts: what is in the composer, per room, survives switching rooms and reloading (saved
// shortly after typing, and when the page is hidden or left).

import { els, state, store } from "./state.js";

let timer = null;

export function saveDraft() {
  clearTimeout(timer);
  if (!state.room) return;
  const drafts = store.get("drafts", {});
  if (els.body.value) drafts[state.room] = els.body.value;
  else delete drafts[state.room];
  store.set("drafts", drafts);
}

export function saveDraftSoon() {
  clearTimeout(timer);
  timer = setTimeout(saveDraft, 400);
}

export function draftOf(roomId) {
  return store.get("drafts", {})[roomId] || "";
}

window.addEventListener("pagehide", saveDraft);
document.addEventListener("visibilitychange", () => { if (document.hidden) saveDraft(); });
