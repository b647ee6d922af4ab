// One message as the log shows it (<article class="msg">): author and time, the quoted
// message it replies to, its body (HTML sanitised on the server), its files, its directive,
// and what can be done to it.

import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { copyLink, deleteMessage, editMessage } from "./actions.js";
import { fileList } from "./attachments.js";
import { proposeToAgenda } from "./propose.js";
import { directiveNode } from "./directives.js";
import { startReply } from "./reply.js";
import { clock, config, findMessage, rooms } from "./state.js";

export function messageNode(frame) {
  const mine = frame.author.username === config.username;
  const mentionsMe = frame.mentions && (frame.mentions.usernames.includes(config.username));
  const node = el("article", {
    class: `msg${mine ? " msg--mine" : ""}${frame.deleted ? " msg--deleted" : ""}${mentionsMe ? " msg--mention" : ""}`,
    id: `message-${frame.id}`,
    "data-seq": frame.seq,
    "aria-label": `${frame.author.name}, ${clock.when(frame.sent_at)}`,
  });
  const head = el("header", { class: "msg__head" },
    el("strong", { class: "msg__author", text: mine ? `${frame.author.name} (${t("messages.you")})` : frame.author.name }),
    el("time", { datetime: frame.sent_at, class: "msg__time", text: clock.when(frame.sent_at) }),
    frame.edited_at && !frame.deleted ? el("span", { class: "msg__edited muted", text: `(${t("messages.edited")})` }) : null,
  );
  node.append(head);
  if (frame.reply_to) {
    const quoted = findMessage(frame.reply_to);
    if (quoted) {
      const text = `${quoted.author.name}: ${(quoted.body || t("messages.deleted")).slice(0, 140)}`;
      node.append(el("blockquote", { class: "msg__quote", text }));
    }
  }
  if (frame.deleted) {
    node.append(el("p", { class: "msg__body muted", text: t("messages.deleted") }));
    return node;
  }
  const body = el("div", { class: "msg__body" });
  body.innerHTML = frame.html || ""; // sanitised on the server (nh3); no script can run (CSP)
  node.append(body);
  if (frame.attachments && frame.attachments.length) node.append(fileList(frame.attachments));
  if (frame.directive) node.append(directiveNode(frame));
  const actions = el("div", { class: "msg__actions" },
    el("button", { type: "button", class: "linklike", text: t("messages.reply"), onclick: () => startReply(frame) }),
    mine ? el("button", { type: "button", class: "linklike edit-button", text: t("messages.edit"), onclick: () => editMessage(frame) }) : null,
    mine || rooms.get(frame.room)?.is_admin
      ? el("button", { type: "button", class: "linklike", text: t("messages.delete"), onclick: () => deleteMessage(frame) })
      : null,
    el("button", { type: "button", class: "linklike", text: t("messages.copyLink"), onclick: () => copyLink(frame) }),
    el("button", { type: "button", class: "linklike", text: t("messages.addToAgenda"), onclick: () => proposeToAgenda(frame) }),
  );
  node.append(actions);
  return node;
}
