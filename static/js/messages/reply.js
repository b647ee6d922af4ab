// Replying to a message: the composer says to whom (#reply-preview), until sent or cancelled.

import { el } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { els, state } from "./state.js";

export function startReply(frame) {
  state.replyTo = frame;
  els.replyPreview.hidden = false;
  els.replyPreview.replaceChildren(
    el("span", { text: `${t("messages.replyingTo")} ${frame.author.name}: ${(frame.body || "").slice(0, 80)}` }),
    el("button", { type: "button", class: "linklike", text: t("messages.cancel"), onclick: cancelReply }),
  );
  els.body.focus();
}

export function cancelReply() {
  state.replyTo = null;
  els.replyPreview.hidden = true;
  els.replyPreview.replaceChildren();
}
