// Searching the messages of every room the official is in (#search-form): the results, each
// a link to the message with the words found marked, above the room list.

import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { clock, els } from "./state.js";

function resultNode(item) {
  const extract = el("span", { class: "chat-search__extract" });
  extract.innerHTML = item.extract; // escaped on the server, <mark> only
  return el("a", { href: item.link, class: "chat-search__item" },
    el("strong", { text: item.room_name }),
    el("span", { class: "muted", text: ` ${item.author.name} · ${clock.when(item.sent_at)}` }),
    el("br"), extract);
}

els.searchForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = els.searchQ.value.trim();
  if (!q) { els.searchResults.hidden = true; return; }
  const page = await api(`/api/v1/search?q=${encodeURIComponent(q)}`).catch(() => ({ items: [] }));
  els.searchResults.hidden = false;
  els.searchResults.replaceChildren(
    ...(page.items.length ? page.items.map(resultNode) : [el("p", { class: "empty", text: t("messages.noResults") })]),
  );
});
