"""Pages of the organisation domain, and /healthz. Thin: forms validate, services write."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coordination import health, services
from coordination.errors import DomainError
from coordination.forms import PreferencesForm, TokenCreateForm
from coordination.models import Language


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    official = request.user
    return render(
        request,
        "coordination/dashboard.html",
        {"official": official, "now": timezone.now()},
    )


def _profile_context(request: HttpRequest, **extra) -> dict:
    official = request.user
    context = {
        "official": official,
        "preferences_form": PreferencesForm.for_official(official),
        "token_form": TokenCreateForm(),
        "tokens": official.api_tokens.all(),
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
                services.official_update_preferences(official=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                translation.activate(request.user.language)
                messages.success(request, _("Your preferences are saved."))
                response = redirect("profile")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    request.user.language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                    secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
                )
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
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.token_create(
                official=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            form.add_error("name", exc.message)
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
        token = services.token_revoke(official=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profile")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the profile and in a cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language not in Language.values:
        messages.error(request, _("Unknown language."))
        return response
    if request.user.is_authenticated:
        services.official_update_preferences(official=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
    )
    return response


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Database, channel layer (a real send and receive) and cache; 200 when all are ok."""
    checks = {
        "database": await _off_loop(health.check_database),
        "channel_layer": await health.check_channel_layer(),
        "cache": await _off_loop(health.check_cache),
    }
    healthy = all(value == health.OK for value in checks.values())
    body = {**checks, "status": "ok" if healthy else "error", "mode": settings.RAKOR_ENV}
    return JsonResponse(body, status=200 if healthy else 503)


async def _off_loop(check):
    """Run a blocking check on a pool thread, closing that thread's connections after."""

    def run():
        try:
            return check()
        finally:
            connections.close_all()

    return await sync_to_async(run, thread_sensitive=False)()


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout answer: a clear page saying how long the lock lasts."""
    cooloff = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(cooloff.total_seconds() // 60),
        },
        status=429,
    )
