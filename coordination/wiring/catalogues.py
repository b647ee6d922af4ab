"""The words of the page scripts, in the reader's language.

Each catalogue is a function returning {key: text}, its texts marked for translation here
like any other (so `make messages` finds them). Pages render the ones their scripts need
with `{% js_catalogue "picker" %}`; static/js/lib/i18n.js reads them (`t("picker.remove",
{name})`). Keys are `<catalogue>.<word>`; placeholders are Django's `%(name)s`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


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
        "messages.addToAgenda": _("Add to agenda"),
        "messages.loadingMeetings": _("Loading your coming meetings…"),
        "messages.noMeetings": _("You take part in no coming meeting."),
        "messages.chooseMeeting": _("Choose a meeting."),
        "messages.proposed": _("Proposed for the agenda; the organiser decides."),
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


def agenda() -> dict[str, str]:
    """A meeting's agenda (static/js/meetings/agenda.js)."""
    return {
        "agenda.planned": _("Planned: %(planned)s of %(length)s minutes"),
        "agenda.over": _(
            "Planned: %(planned)s of %(length)s minutes — %(over)s minutes over the meeting's "
            "length"
        ),
        "agenda.minutes": _("%(count)s min"),
        "agenda.presenter": _("Presenter: %(name)s"),
        "agenda.fromMessage": _("From a message in the room"),
        "agenda.moveUp": _("Move up"),
        "agenda.moveDown": _("Move down"),
        "agenda.edit": _("Edit"),
        "agenda.remove": _("Remove"),
        "agenda.save": _("Save"),
        "agenda.cancel": _("Cancel"),
        "agenda.confirmRemove": _("Remove “%(title)s” from the agenda?"),
        "agenda.title": _("Title"),
        "agenda.description": _("Description"),
        "agenda.plannedMinutes": _("Planned minutes"),
        "agenda.outcome": _("Expected outcome"),
        "agenda.status": _("Status"),
        "agenda.presenterLabel": _("Presenter"),
        "agenda.links": _("Links to read ahead (one per line)"),
        "agenda.outcome.information": _("Information"),
        "agenda.outcome.discussion": _("Discussion"),
        "agenda.outcome.decision": _("Decision"),
        "agenda.status.pending": _("Pending"),
        "agenda.status.in_discussion": _("In discussion"),
        "agenda.status.done": _("Done"),
        "agenda.status.deferred": _("Deferred"),
        "agenda.conflict": _(
            "Someone else changed this item while you were editing it. Both texts are below: "
            "keep yours, or take theirs."
        ),
        "agenda.theirs": _("Now saved:"),
        "agenda.yours": _("Yours:"),
        "agenda.keepMine": _("Save mine over it"),
        "agenda.takeTheirs": _("Take theirs"),
        "agenda.removedMeanwhile": _("This item was removed meanwhile; your text is kept below."),
        "agenda.orderChanged": _("The order changed meanwhile; this is the order now."),
        "agenda.moved": _("“%(title)s” is now number %(position)s."),
        "agenda.added": _("“%(title)s” added."),
        "agenda.proposed": _("Proposal sent; the organiser decides."),
        "agenda.accept": pgettext("agenda proposal", "Accept"),
        "agenda.decline": pgettext("agenda proposal", "Decline"),
        "agenda.declineReason": _("Why is it declined? (the proposer reads this)"),
        "agenda.proposedBy": _("Proposed by %(name)s"),
        "agenda.proposal.pending": _("awaiting a decision"),
        "agenda.proposal.accepted": pgettext("agenda proposal", "accepted"),
        "agenda.proposal.declined": pgettext("agenda proposal", "declined"),
        "agenda.failed": _("Not saved:"),
        "agenda.attach": _("Attach a document"),
        "agenda.uploading": _("Uploading %(name)s…"),
        "agenda.attached": _("%(name)s attached."),
        "agenda.removeDocument": _("remove"),
        "agenda.removeNamed": _("Remove %(name)s"),
        "agenda.templates": _("Agenda templates of your agency"),
        "agenda.templateName": _("Name for a new template"),
        "agenda.templateOption": _("%(name)s (%(count)s items, %(minutes)s minutes)"),
        "agenda.noTemplates": _("Your agency has no agenda templates yet."),
        "agenda.applyTemplate": _("Add the template's items"),
        "agenda.saveTemplate": _("Save this agenda as a template"),
        "agenda.templateSaved": _("Saved as the template “%(name)s”."),
        "agenda.templateApplied": _("The template's items were added."),
    }


def live() -> dict[str, str]:
    """The meeting, live (static/js/meetings/mode.js)."""
    return {
        "live.notStarted": _("The meeting has not been opened yet."),
        "live.running": _("The meeting is open, since %(since)s."),
        "live.ended": _("The meeting was closed at %(at)s."),
        "live.open": _("Open the meeting"),
        "live.close": _("Close the meeting"),
        "live.confirmClose": _("Close the meeting for everyone?"),
        "live.firstItem": _("Start with “%(title)s”"),
        "live.nextItem": _("Next item: “%(title)s”"),
        "live.discussNow": _("Discuss now"),
        "live.timer": _("%(spent)s of %(planned)s"),
        "live.nobodySpeaking": _("Nobody is speaking."),
        "live.speaking": _("Speaking: %(name)s, %(spent)s"),
        "live.speakingLimited": _("Speaking: %(name)s, %(spent)s of %(limit)s"),
        "live.ask": _("Ask to speak"),
        "live.withdraw": _("Withdraw my request"),
        "live.callNext": _("Call the next speaker"),
        "live.finish": _("End this turn"),
        "live.limit": _("Speaking time"),
        "live.noLimit": _("No time limit"),
        "live.limitMinutes": _("%(count)s minutes each"),
        "live.attendance": _("Attendance: %(present)s of %(count)s present"),
        "live.markedPresent": _("present from %(at)s"),
        "live.markedGone": _("left at %(at)s"),
        "live.markPresent": _("Mark present"),
        "live.markGone": _("Mark as left"),
        "live.failed": _("Not done:"),
    }


def notulen() -> dict[str, str]:
    """The notulen on a meeting's page (static/js/meetings/notulen.js)."""
    return {
        "notulen.startWriting": _(
            "Nothing written yet. Write the notes below as the meeting goes."
        ),
        "notulen.nothingYet": _("The note taker has written nothing yet."),
        "notulen.notApproved": _("The notulen are shown here once the chair approves them."),
        "notulen.revisionStatus": _("Revision %(revision)s: %(status)s"),
        "notulen.status.draft": _("Draft: participants see the notes as they are written"),
        "notulen.status.submitted": _("Awaiting the chair's approval"),
        "notulen.status.returned": _("Returned by the chair for changes"),
        "notulen.status.approved": _("Approved: the official record"),
        "notulen.returnedBecause": _("The chair asks: %(comment)s"),
        "notulen.corrects": _("This revision corrects: %(corrects)s"),
        "notulen.correctsLabel": _("What this correction corrects"),
        "notulen.section.opening": _("Opening"),
        "notulen.section.decisions": _("Decisions"),
        "notulen.section.actions": _("Follow-up actions"),
        "notulen.section.closing": _("Closing"),
        "notulen.save": _("Save now"),
        "notulen.saved": _("Saved."),
        "notulen.submit": _("Submit to the chair"),
        "notulen.approve": _("Approve the notulen"),
        "notulen.return": _("Return with a comment"),
        "notulen.returnPrompt": _("What should the note taker change?"),
        "notulen.approvedBy": _("Approved by %(name)s."),
        "notulen.pdf": _("Download PDF"),
        "notulen.markdown": _("Download Markdown"),
        "notulen.correct": _("Start a correction"),
        "notulen.conflict": _(
            "Someone else saved the notulen while you were writing. Both texts are below: "
            "keep yours, or take theirs."
        ),
        "notulen.failed": _("Not saved:"),
    }


def find_time() -> dict[str, str]:
    """The meeting form's scheduling assistant (static/js/meetings/find-time.js)."""
    return {
        "findTime.searching": _("Looking for times that suit everyone…"),
        "findTime.nobody": _("Choose the participants or agencies first."),
        "findTime.found": _("%(count)s times suit every required participant. Choose one."),
        "findTime.best": _(
            "No time suits every required participant. These suit the most of them "
            "(%(free)s of %(total)s); who cannot come is named."
        ),
        "findTime.none": _("No time in these days suits anyone. Search other days."),
        "findTime.failed": _("The search failed:"),
        "findTime.cannot": _("Cannot come: %(names)s"),
        "findTime.optionalCannot": _("Optional, cannot come: %(names)s"),
        "findTime.through": _("%(agency)s: %(names)s"),
        "findTime.choose": _("Use this time"),
        "findTime.chosen": _(
            "Chosen: %(when)s. The date and times above are set; save the form to schedule."
        ),
        "findTime.reason.busy": _("in another meeting"),
        "findTime.reason.outside_hours": _("outside working hours"),
        "findTime.reason.non_working_day": _("a holiday or day off"),
        "findTime.reason.friday_prayer": _("Friday prayers"),
        "findTime.reason.no_officials": _("no active officials"),
        "findTime.reason.nobody_free": _("nobody free"),
    }


def notifications() -> dict[str, str]:
    """The bell and the notification centre on every page (static/js/notifications.js)."""
    return {
        "notifications.none": _("Notifications, none unread"),
        "notifications.some": _("Notifications, %(n)s unread"),
        "notifications.unread": _("%(n)s unread"),
        "notifications.new": _("New notification"),
        "notifications.open": _("Open"),
        "notifications.close": _("Close"),
        "notifications.browserOn": _("Turn on browser notifications"),
        "notifications.browserOff": _("Turn off browser notifications"),
        "notifications.browserIsOn": _(
            "Browser notifications are on while Rakor is open in a background tab."
        ),
        "notifications.browserDenied": _(
            "The browser blocks notifications from Rakor: allow them in the site settings."
        ),
        "notifications.browserMissing": _("This browser cannot show notifications."),
    }


CATALOGUES: dict[str, Callable[[], dict[str, str]]] = {
    "notifications": notifications,
    "picker": picker,
    "messages": messages,
    "meetings": meetings,
    "agenda": agenda,
    "live": live,
    "notulen": notulen,
    "findTime": find_time,
}


def catalogue(*names: str) -> dict[str, str]:
    words: dict[str, str] = {}
    for name in names:
        words |= CATALOGUES[name]()
    return words
