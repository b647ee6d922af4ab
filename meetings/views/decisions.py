"""Decision log pages: the decisions (across meetings, or of one meeting, where they are
recorded), a decision with its history and actions, the Tindak lanjut page (actions across
agencies, a summary per province, CSV, the calendar feed of one's actions) and an action with
its progress. Thin: each calls meetings.services.decisions and meetings.selectors.decisions,
as the API does. A form refused by a service is shown again with what was typed."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coordination.organisation.models import Agency
from coordination.platform.errors import DomainError
from coordination.platform.http import add_domain_error, stored_file_response
from meetings import decision_log, exports, feeds, forms, selectors
from meetings.models import Decision, FollowUpAction
from meetings.selectors import decisions as reads
from meetings.services import decisions

PAGE = 50


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 18 else None


def _log_state() -> dict[str, Any]:
    """The chain's check (its hashes, links, head and anchors; at most a minute old), and the
    worker's last full check (rows, cached states, files)."""
    from meetings.models import DecisionLogHead

    head = DecisionLogHead.objects.filter(pk=1).first()
    return decision_log.chain_state() | {
        "checked_at": head.checked_at if head else None,
        "checked_intact": head.checked_intact if head else None,
        "checked_first_bad": head.checked_first_bad if head else None,
    }


# --- decisions ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decision_list(request: HttpRequest) -> HttpResponse:
    official = request.user
    meeting = None
    meeting_id = _id(request.GET.get("meeting"))
    if meeting_id is not None:
        try:
            meeting = selectors.meeting_get_visible(official, meeting_id)
        except DomainError as exc:
            raise Http404(exc.message) from exc
    form = None
    if meeting is not None and reads.may_record_decision(official, meeting):
        items = selectors.agenda_items(meeting)
        form = forms.DecisionForm(
            request.POST if request.method == "POST" else None,
            meeting=meeting,
            items=items,
            zone=official.zone_name,
        )
        if request.method == "POST" and form.is_valid():
            try:
                decision = decisions.decision_record(
                    by=official,
                    meeting_id=meeting.pk,
                    text=form.cleaned_data["text"],
                    agenda_item_id=form.cleaned_data["agenda_item"],
                    tags=form.cleaned_data["tags"],
                    classification=form.cleaned_data["classification"],
                    decided_at=form.decided_at(),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The decision is recorded in the log."))
                return redirect("decisions:detail", decision.pk)
    elif request.method == "POST":
        raise Http404(_("Decisions are recorded on a meeting's decisions page."))
    filters = reads.DecisionFilters(
        query=request.GET.get("q", "").strip()[:200],
        agency=request.GET.get("agency", "")[:40],
        tag=request.GET.get("tag", "").strip().lower()[:40],
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
        meeting=meeting.pk if meeting else None,
        status=request.GET.get("status", "")
        if request.GET.get("status") in Decision.Status.values
        else "",
    )
    rows = reads.decisions_filtered(official, filters)
    rows = rows.order_by("decided_at", "id") if meeting else rows.order_by("-decided_at", "-id")
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/decisions.html",
        {
            "meeting": meeting,
            "form": form,
            "page": page,
            "filters": filters,
            "agencies": Agency.objects.order_by("name"),
            "statuses": Decision.Status.choices,
            "log": _log_state(),
            "query": request.GET.urlencode(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    official = request.user
    try:
        decision = reads.decision_get_visible(official, decision_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    may_record = reads.may_record_decision(official, decision.meeting)
    which = request.POST.get("form") if request.method == "POST" else None
    others = reads.supersede_choices(official, decision) if may_record else []
    status_form = forms.DecisionStatusForm(
        request.POST if which == "status" else None, others=others, prefix="status"
    )
    action_form = forms.ActionForm(request.POST if which == "action" else None, prefix="action")
    if which and not may_record:
        messages.error(request, _("Only those who record this meeting's decisions change them."))
        return redirect("decisions:detail", decision.pk)
    if which == "status" and status_form.is_valid():
        data = status_form.cleaned_data
        try:
            decisions.decision_status_set(
                by=official,
                decision_id=decision.pk,
                status=data["status"],
                reason=data["reason"],
                superseded_by_id=data["superseded_by"],
            )
        except DomainError as exc:
            add_domain_error(status_form, exc)
        else:
            messages.success(request, _("The new status is recorded in the log."))
            return redirect("decisions:detail", decision.pk)
    if which == "action" and action_form.is_valid():
        data = action_form.cleaned_data
        try:
            action = decisions.action_assign(
                by=official,
                decision_id=decision.pk,
                description=data["description"],
                agency_code=data["agency"],
                assignee_username=data["assignee"] or None,
                due=data["due"],
            )
        except DomainError as exc:
            add_domain_error(action_form, exc)
        else:
            messages.success(
                request,
                _("The follow-up action is assigned to %(agency)s.")
                % {"agency": action.agency.name},
            )
            return redirect("decisions:detail", decision.pk)
    failed = bool(status_form.errors or action_form.errors)
    return render(
        request,
        "meetings/decision.html",
        {
            "decision": decision,
            "actions": reads.visible_actions(official, decision),
            "history": _labelled(reads.decision_history(official, decision)),
            "may_record": may_record and decision.status == Decision.Status.ADOPTED,
            "status_form": status_form,
            "action_form": action_form,
            "open_form": which if failed else "",
        },
        status=400 if failed else 200,
    )


STATUS_LABELS = {**dict(FollowUpAction.Status.choices), **dict(Decision.Status.choices)}


def _labelled(history: list) -> list:
    """Each entry with the label of the status it records, in the reader's language."""
    for entry in history:
        entry.status_label = STATUS_LABELS.get((entry.content or {}).get("status"), "")
    return history


# --- actions --------------------------------------------------------------------------


def _action_filters(request: HttpRequest) -> tuple[reads.ActionFilters, str]:
    scope = request.GET.get("scope", "")
    overdue = {"1": True, "0": False}.get(request.GET.get("overdue", ""))
    status = request.GET.get("status", "")
    filters = reads.ActionFilters(
        agency=request.GET.get("agency", "")[:40],
        province=request.GET.get("province", "")[:40],
        status=status if status in FollowUpAction.Status.values else "",
        overdue=overdue,
        due_from=_date(request.GET.get("due_from")),
        due_to=_date(request.GET.get("due_to")),
        meeting=_id(request.GET.get("meeting")),
        mine=scope == "mine",
        my_agency=scope == "agency",
    )
    return filters, scope if scope in ("mine", "agency") else ""


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    official = request.user
    filters, scope = _action_filters(request)
    board = reads.action_board(official, filters, page=request.GET.get("page"), per_page=PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/actions.html",
        {
            "page": board.page,
            "filters": filters,
            "scope": scope,
            "summary": board.summary,
            "chart": _chart(board.summary),
            "agencies": board.agencies,
            "provinces": board.provinces,
            "statuses": FollowUpAction.Status.choices,
            "meetings": board.meetings,
            "query": query.urlencode(),
            "feed_url": feeds.feed_url(official),
            "actions_feed_url": feeds.actions_feed_url(official),
        },
    )


def _chart(summary: list[dict[str, Any]]) -> dict[str, Any]:
    """A stacked bar per province (overdue, open, done on time, done late) as percentages of
    the longest, drawn as SVG in the template (no script, no CDN); names and counts are
    text beside it, readable at any width."""
    bars = []
    widest = max((row["total"] - row["cancelled"] for row in summary), default=0) or 1
    for row in summary:
        x = 0.0
        parts = []
        for key in ("overdue", "open", "done_on_time", "done_late"):
            width = 100.0 * row[key] / widest
            # As text: a number would be localised in the template ("100,0" in Indonesian).
            parts.append({"key": key, "x": f"{x:.2f}", "width": f"{width:.2f}", "n": row[key]})
            x += width
        bars.append({"row": row, "parts": parts, "shown": row["total"] - row["cancelled"]})
    return {"bars": bars}


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    official = request.user
    try:
        action = reads.action_get_visible(official, action_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    may_update = reads.may_update_action(official, action)
    may_cancel = reads.may_cancel_action(official, action)
    # Those who report choose any status but cancelled; those who record decisions cancel.
    choices = [
        (value, label)
        for value, label in FollowUpAction.Status.choices
        if (may_cancel if value == FollowUpAction.Status.CANCELLED else may_update)
    ]
    form = forms.ActionUpdateForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        choices=choices,
        initial={"status": action.status},
    )
    if request.method == "POST":
        if not (may_update or may_cancel):
            messages.error(request, _("You may read this action but not report on it."))
            return redirect("actions:detail", action.pk)
        if form.is_valid():
            try:
                decisions.action_update(
                    by=official,
                    action_id=action.pk,
                    status=form.cleaned_data["status"],
                    comment=form.cleaned_data["comment"],
                    uploads=form.cleaned_data["files"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Your report is recorded in the log."))
                return redirect("actions:detail", action.pk)
    return render(
        request,
        "meetings/action.html",
        {
            "action": action,
            "overdue": reads.is_overdue(action),
            "updates": reads.action_updates(action),
            "may_update": (may_update or may_cancel)
            and action.status in FollowUpAction.OPEN_STATUSES,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def action_file(request: HttpRequest, file_id: int) -> HttpResponse:
    try:
        file = reads.attachment_get_for_reader(request.user, file_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return stored_file_response(file.file, name=file.name, content_type=file.content_type)


@login_required
@require_GET
def action_export(request: HttpRequest) -> HttpResponse:
    filters, _scope = _action_filters(request)
    return exports.actions_csv_response(request.user, filters)


@require_GET
def actions_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The actions calendar feed: the same private token as the meetings feed."""
    from meetings.views import feed_response

    return feed_response(
        request,
        token,
        etag=lambda feed: exports.feed_etag(feed.official),
        body=lambda feed: exports.feed_body(feed.official),
        filename="rakor-tindak-lanjut.ics",
    )
