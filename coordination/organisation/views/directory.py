"""The agency directory and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coordination.organisation import permissions, second_factor, selectors, services
from coordination.organisation.forms import DirectorySearchForm, LanguageForm
from coordination.platform.errors import DomainError
from coordination.platform.http import safe_next


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    permissions.require(
        permissions.may_view_directory(request.user),
        official=request.user,
        action="see the directory",
    )
    form = DirectorySearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.agency_directory(q=q)
    return render(
        request,
        "coordination/directory.html",
        {
            "form": form,
            "q": q,
            "roots": found.roots,
            "official_count": found.official_count,
            "matched_agencies": found.matched_agencies,
            "inline_officials": found.official_count <= selectors.DIRECTORY_INLINE_LIMIT,
            "now": timezone.now(),
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


@login_required
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    permissions.require(
        permissions.may_view_directory(request.user),
        official=request.user,
        action="see the directory",
    )
    found = selectors.agency_detail(code)
    if found is None:
        raise Http404(_("No such agency."))
    agency, officials, children = found
    return render(
        request,
        "coordination/agency_detail.html",
        {"agency": agency, "officials": officials, "children": children, "now": timezone.now()},
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the profile and in a cookie."""
    form = LanguageForm(request.POST)
    response = redirect(safe_next(request, request.POST.get("next")))
    if not form.is_valid():
        messages.error(request, _("Unknown language."))
        return response
    language = form.cleaned_data["language"]
    # A session that still owes its second factor may switch the page's language (the cookie)
    # but not write the official's profile.
    official = request.user
    if official.is_authenticated and (
        second_factor.session_state(official, request.session, verified=official.is_verified())
        == second_factor.State.OK
    ):
        try:
            services.official_update_preferences(
                official=request.user, by=request.user, language=language
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return response
    set_language_cookie(response, language)
    return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
