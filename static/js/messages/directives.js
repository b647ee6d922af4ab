// Directives: messages that ask for acknowledgement. Each shows who must acknowledge and by
// when; its recipients get an Acknowledge button, its sender the tally (who has, who has
// not), live (directive_state); and the directives still waiting for this official (or
// their agency) are a banner on top of the room (#directives), most urgent first.

import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { showError } from "./errors.js";
import { clock, config, els, state } from "./state.js";

let asked = 0; // answers to older requests of the banner are dropped

function dueNode(isoDate, overdue) {
  return el("span", { class: overdue ? "tag tag--danger" : "muted" }, ` ${t("messages.due")} `,
    el("time", { datetime: isoDate, text: clock.day(isoDate) }));
}

// The directive's part of a message.
export function directiveNode(frame) {
  const mine = frame.author.username === config.username;
  const ackBy = frame.directive.ack_by === "agency" ? t("messages.ackByAgency") : t("messages.ackByMember");
  const box = el("div", { class: "msg__directive", id: `directive-${frame.id}` },
    el("strong", {}, `${t("messages.directive")} · ${ackBy}`,
      frame.directive.due ? " ·" : null, frame.directive.due ? dueNode(frame.directive.due) : null),
  );
  if (!mine) {
    box.append(el("button", {
      type: "button", class: "button button--small button--primary ack-button", text: t("messages.acknowledge"),
      "data-message": frame.id, onclick: () => acknowledge(frame.id),
    }));
    // Older history loaded after the awaiting list: not in it means already acknowledged.
    if (state.awaiting && frame.seq <= state.awaitingAt && !state.awaiting.has(frame.id)) {
      state.acknowledged.add(frame.id);
    }
    if (state.acknowledged.has(frame.id)) {
      const button = box.lastChild;
      button.disabled = true;
      button.textContent = t("messages.acknowledged");
    }
  } else {
    box.append(el("div", { class: "msg__tally", id: `tally-${frame.id}` }));
    api(`/api/v1/messages/${frame.id}/directive`).then(renderTally).catch(() => {});
  }
  return box;
}

// Acknowledging goes over HTTP, so the answer (or the error) comes back to this click.
async function acknowledge(messageId) {
  const buttons = document.querySelectorAll(`.ack-button[data-message="${messageId}"], .banner-ack[data-message="${messageId}"]`);
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await api(`/api/v1/messages/${messageId}/acknowledge`, { method: "POST" });
    markAcknowledged(messageId);
    showDirectives();
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    showError(`${t("messages.ackFailed")} ${error.message}`);
  }
}

export function markAcknowledged(messageId) {
  state.acknowledged.add(messageId);
  for (const button of document.querySelectorAll(`.ack-button[data-message="${messageId}"]`)) {
    button.disabled = true;
    button.textContent = t("messages.acknowledged");
  }
}

// The sender's tally (directive_state, or fetched when the message is shown).
export function renderTally(tally) {
  const box = document.getElementById(`tally-${tally.message}`);
  if (!box) return;
  const names = (items) => items.map((i) => i.name || i.username || i.agency).join(", ");
  box.replaceChildren(
    tally.complete
      ? el("p", { class: "tag tag--ok", text: t("messages.complete") })
      : el("p", {}, el("span", { text: `${t("messages.pending")}: ` }), el("span", { class: "tally-pending", text: names(tally.pending) }),
        tally.overdue ? el("span", { class: "tag tag--danger", text: ` ${t("messages.overdue")}` }) : null),
    tally.acknowledged.length
      ? el("p", { class: "muted" }, `${t("messages.done")}: `, el("span", { class: "tally-done", text: names(tally.acknowledged) }))
      : null,
  );
}

// The room's directives that still wait for this official (or their agency): a banner on
// top, most urgent first; the buttons of those already acknowledged say so.
export async function showDirectives() {
  if (!state.room) return;
  const mine = ++asked;
  const seenAt = state.cursor.head;
  const page = await api(`/api/v1/directives/awaiting?room=${state.room}`).catch(() => null);
  if (!page || mine !== asked) return; // a later call answers
  const waiting = new Set(page.items.map((item) => item.message));
  state.awaiting = waiting;
  state.awaitingAt = seenAt;
  for (const frame of state.frames.values()) {
    if (frame.type === "message" && frame.directive && !waiting.has(frame.id)) markAcknowledged(frame.id);
  }
  els.directives.replaceChildren(...page.items.slice(0, 3).map((item) => el("div", { class: "chat-directive-banner", role: "status" },
    el("strong", { text: `${t("messages.directive")} · ${item.author.name}: ` }),
    el("a", { href: item.link, text: item.body.slice(0, 160) || t("messages.attachment") }),
    item.due ? dueNode(item.due, item.overdue) : null,
    el("button", { type: "button", class: "button button--small button--primary banner-ack", text: t("messages.acknowledge"),
      "data-message": item.message, onclick: () => acknowledge(item.message) }),
  )));
}
