"""The profile: preferences, API tokens, and setting up the second factor."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coordination.organisation import notifications, second_factor, services
from coordination.organisation.forms import (
    NotificationSettingsForm,
    PreferencesForm,
    SecondFactorCodeForm,
    TokenCreateForm,
)
from coordination.organisation.views.directory import set_language_cookie
from coordination.platform.errors import DomainError
from coordination.platform.http import add_domain_error


def _profile_context(request: HttpRequest, **extra) -> dict:
    official = request.user
    context = {
        "official": official,
        "preferences_form": PreferencesForm.for_official(official),
        "notifications_form": NotificationSettingsForm.for_official(official),
        "token_form": TokenCreateForm(),
        "tokens": official.api_tokens.all(),
        "second_factor_on": second_factor.enrolled(official),
        "second_factor_required": second_factor.required_for(official),
    }
    context.update(extra)
    return context


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm.for_official(request.user, data=request.POST)
        if form.is_valid():
            try:
                services.official_update_preferences(
                    official=request.user, by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                translation.activate(request.user.language)
                messages.success(request, _("Your preferences are saved."))
                response = redirect("profile")
                set_language_cookie(response, request.user.language)
                return response
        return render(
            request,
            "coordination/profile.html",
            _profile_context(request, preferences_form=form),
            status=400,
        )
    return render(request, "coordination/profile.html", _profile_context(request))


@never_cache
@login_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm.for_official(request.user, data=request.POST)
    if form.is_valid():
        try:
            notifications.notification_settings_update(
                official=request.user,
                mail=form.mail_choices(),
                digest_time=form.cleaned_data["digest_time"],
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect(reverse("profile") + "#notifications")
    return render(
        request,
        "coordination/profile.html",
        _profile_context(request, notifications_form=form),
        status=400,
    )


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.token_create(
                official=request.user, name=form.cleaned_data["name"], request=request
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # The secret is shown on this response only; it is never stored in clear.
            return render(
                request,
                "coordination/profile.html",
                _profile_context(request, new_token=token, new_token_secret=raw),
                status=201,
            )
    return render(
        request, "coordination/profile.html", _profile_context(request, token_form=form), status=400
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.token_revoke(by=request.user, token_id=token_id, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profile")


@never_cache
@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up, renew recovery codes for, or turn off the authenticator app.

    POST `action`: `start` (a new secret and QR code; replacing an authenticator needs a
    current code), `confirm` (the first code from the app; shows the recovery codes once),
    `renew` (new recovery codes), `disable`. Which action needs what is the service's rule.
    """
    official = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    needs_code = action in ("confirm", "renew", "disable") or (
        action == "start" and second_factor.enrolled(official)
    )
    form = SecondFactorCodeForm(request.POST if needs_code else None)
    context = {"form": form}
    status = 200
    if action == "start" and not needs_code:
        second_factor.totp_begin(official=official, request=request)
        return redirect("second_factor_setup")
    if action in ("start", "confirm", "renew", "disable") and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if action == "start":
                second_factor.totp_begin(official=official, request=request, code=code)
                return redirect("second_factor_setup")
            if action == "confirm":
                codes = second_factor.totp_confirm(official=official, code=code, request=request)
                messages.success(request, _("Two-step verification is on."))
                return _show_recovery_codes(request, codes)
            if action == "renew":
                codes = second_factor.recovery_codes_renew(
                    official=official, code=code, request=request
                )
                return _show_recovery_codes(request, codes)
            second_factor.second_factor_disable(official=official, code=code, request=request)
            messages.success(request, _("Two-step verification is off."))
            return redirect("profile")
        except DomainError as exc:
            add_domain_error(form, exc)
    if action:
        status = 400
    pending = second_factor.totp_pending(official)
    context.update(
        {
            "official": official,
            "enrolled": second_factor.enrolled(official),
            "required": second_factor.required_for(official),
            "pending": pending,
            "secret": second_factor.totp_secret(pending) if pending else "",
            "codes_left": second_factor.recovery_codes_left(official),
        }
    )
    return render(request, "registration/second_factor_setup.html", context, status=status)


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return render(request, "registration/recovery_codes.html", {"codes": codes})


@never_cache
@login_required
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the authenticator being set up, as SVG (an image, so no inline markup
    and nothing for the Content-Security-Policy to refuse)."""
    pending = second_factor.totp_pending(request.user)
    if pending is None:
        raise Http404(_("No authenticator is being set up."))
    svg = segno.make(pending.config_url, error="m").svg_inline(scale=5, border=2)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response
