// Proposed agenda items on a meeting's page: those who edit the agenda see every proposal
// and accept it (it becomes the last item) or decline it with a reason; a participant sees
// their own, with the decision when it comes. Proposals arrive live (`agenda_proposal`).

import { api, errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const state = { meeting: null, mayDecide: false, proposals: new Map() };

function say(text) {
  const node = $("#agenda-status");
  if (node) node.textContent = text;
}

async function decide(proposal, verdict) {
  let json = {};
  if (verdict === "decline") {
    const reason = window.prompt(t("agenda.declineReason"), "");
    if (reason === null) return;
    json = { reason };
  }
  try {
    const answer = await api(`/api/v1/agenda-proposals/${proposal.id}/${verdict}`, { method: "POST", json });
    proposalFrame(answer);
  } catch (error) {
    if (error.status === 409 && error.body?.current) proposalFrame(error.body.current);
    say(`${t("agenda.failed")} ${errorText(error)}`);
  }
}

function proposalNode(proposal) {
  const pending = proposal.status === "pending";
  return el("li", { "data-proposal": proposal.id },
    el("div", { class: "agenda__head" },
      el("span", { class: "agenda__title", text: proposal.title }),
      el("span", { class: "tag tag--muted", text: t("agenda.minutes", { count: proposal.planned_minutes }) }),
      el("span", { class: pending ? "tag" : proposal.status === "accepted" ? "tag tag--ok" : "tag tag--danger", text: t(`agenda.proposal.${proposal.status}`) })),
    el("p", { class: "agenda__meta", text: t("agenda.proposedBy", { name: proposal.proposed_by.name }) }),
    proposal.description ? el("p", { class: "agenda__description", text: proposal.description }) : null,
    proposal.source_message ? el("p", { class: "agenda__source" }, el("a", { href: proposal.source_message.url, text: t("agenda.fromMessage") })) : null,
    proposal.reason ? el("p", { class: "agenda__meta", text: proposal.reason }) : null,
    state.mayDecide && pending ? el("div", { class: "agenda__actions" },
      el("button", { type: "button", class: "button button--primary button--small", text: t("agenda.accept"), onclick: () => decide(proposal, "accept") }),
      el("button", { type: "button", class: "button button--small", text: t("agenda.decline"), onclick: () => decide(proposal, "decline") })) : null);
}

function render() {
  const box = $("#agenda-proposals");
  if (!box) return;
  // Pending ones first (what needs a decision), then the decided, newest first.
  const all = [...state.proposals.values()].sort((a, b) =>
    (a.status === "pending") === (b.status === "pending") ? b.id - a.id : a.status === "pending" ? -1 : 1);
  $("#agenda-proposal-list").replaceChildren(...all.map(proposalNode));
  box.hidden = all.length === 0;
}

export function proposalFrame(proposal) {
  if (proposal.meeting !== state.meeting) return;
  state.proposals.set(proposal.id, proposal);
  render();
}

// After a reconnect: the proposals as they are now (decisions made while away).
export async function resyncProposals() {
  if (!state.meeting) return;
  try {
    const page = await api(`/api/v1/meetings/${state.meeting}/agenda/proposals`);
    for (const proposal of page.items) state.proposals.set(proposal.id, proposal);
    render();
  } catch {
    // Offline again: the next reconnect tries again.
  }
}

export function startProposals({ meeting, proposals, mayDecide }) {
  state.meeting = meeting;
  state.mayDecide = mayDecide;
  for (const proposal of proposals || []) state.proposals.set(proposal.id, proposal);
  render();
}
