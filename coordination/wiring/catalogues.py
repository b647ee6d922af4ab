"""The words of the page scripts, in the reader's language.

Each catalogue is a function returning {key: text}, its texts marked for translation here
like any other (so `make messages` finds them). Pages render the ones their scripts need
with `{% js_catalogue "picker" %}`; static/js/lib/i18n.js reads them (`t("picker.remove",
{name})`). Keys are `<catalogue>.<word>`; placeholders are Django's `%(name)s`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _


def picker() -> dict[str, str]:
    return {
        "picker.placeholderMany": _("Type a name, username, position or agency…"),
        "picker.placeholderOne": _("Type to find someone else…"),
        "picker.suggestions": _("Suggestions"),
        "picker.chosen": _("Chosen"),
        "picker.remove": _("Remove %(name)s"),
        "picker.added": _("%(name)s added; %(count)s chosen."),
        "picker.chose": _("%(name)s chosen."),
        "picker.removed": _("%(name)s removed; %(count)s chosen."),
        "picker.found": _("%(count)s found; use the arrow keys and Enter to choose."),
        "picker.none": _("Nobody found for “%(q)s”."),
        "picker.more": _("%(count)s more: keep typing to narrow the list."),
        "picker.failed": _("The search failed; check the connection and type again."),
    }


def messages() -> dict[str, str]:
    """The messages page (static/js/messages.js and messages/)."""
    return {
        "messages.connected": _("Connected"),
        "messages.connecting": _("Connecting…"),
        "messages.offline": _("Offline: messages wait and are sent when the connection returns"),
        "messages.sending": _("sending…"),
        "messages.notSent": _("not sent yet"),
        "messages.edited": _("edited"),
        "messages.deleted": _("This message was deleted."),
        "messages.reply": _("Reply"),
        "messages.edit": _("Edit"),
        "messages.delete": _("Delete"),
        "messages.copyLink": _("Copy link"),
        "messages.linkCopied": _("Link copied."),
        "messages.confirmDelete": _("Delete this message?"),
        "messages.editPrompt": _("Edit the message:"),
        "messages.replyingTo": _("Replying to"),
        "messages.cancel": _("Cancel"),
        "messages.typing": _("%(name)s is typing…"),
        "messages.online": _("online"),
        "messages.away": _("away"),
        "messages.directive": _("Directive"),
        "messages.acknowledge": _("Acknowledge"),
        "messages.acknowledged": _("Acknowledged"),
        "messages.due": _("due"),
        "messages.ackByMember": _("every member"),
        "messages.ackByAgency": _("one official per agency"),
        "messages.pending": _("Waiting for"),
        "messages.done": _("Acknowledged by"),
        "messages.overdue": _("overdue"),
        "messages.complete": _("everyone acknowledged"),
        "messages.uploadFailed": _("The file was not accepted:"),
        "messages.olderLoading": _("Loading older messages…"),
        "messages.noMessages": _("No messages yet. Write the first one."),
        "messages.noResults": _("Nothing found."),
        "messages.errorPrefix": _("Not sent:"),
        "messages.you": _("you"),
        "messages.attachment": _("attachment"),
        "messages.remove": _("Remove"),
        "messages.jumpedTo": _("The message you followed"),
        "messages.retry": _("Try again"),
        "messages.discard": _("Discard"),
        "messages.save": _("Save"),
        "messages.ackFailed": _("Could not acknowledge:"),
        "messages.directConversation": _("Direct conversation"),
        "messages.archived": _("archived"),
        "messages.unread": _("unread"),
        "messages.chooseSomeone": _("Choose at least one official."),
        "messages.charsLeft": _("%(count)s characters left"),
        "messages.charsOver": _("%(count)s characters over the limit of %(max)s"),
        "messages.tooLong": _(
            "This message is %(count)s characters over the limit of %(max)s. Shorten it, or "
            "send it in two parts."
        ),
        "messages.newBelow": _("New messages"),
        "messages.newOne": _("1 new message ↓"),
        "messages.newMany": _("%(count)s new messages ↓"),
    }


def meetings() -> dict[str, str]:
    """A meeting's page (static/js/meetings/live.js)."""
    return {
        "meetings.changed": _("This meeting has changed. Reload to see it."),
        "meetings.chairDeclined": _(
            "%(name)s, the chair, has declined. Choose another chair, or ask them again."
        ),
        "meetings.noteTakerDeclined": _(
            "%(name)s, the note taker, has declined. Choose another note taker, or ask them again."
        ),
    }


CATALOGUES: dict[str, Callable[[], dict[str, str]]] = {
    "picker": picker,
    "messages": messages,
    "meetings": meetings,
}


def catalogue(*names: str) -> dict[str, str]:
    words: dict[str, str] = {}
    for name in names:
        words |= CATALOGUES[name]()
    return words
