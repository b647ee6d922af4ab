"""Pages of the organisation domain, and /healthz. Thin: forms validate, services write."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coordination import health, ratelimit, services
from coordination.errors import DomainError
from coordination.forms import LanguageForm, PreferencesForm, TokenCreateForm


def add_domain_error(form, exc: DomainError) -> None:
    """Show a service's refusal on the form: on each field it names, else above the form."""
    placed = False
    for name, problems in (exc.fields or {}).items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


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
                services.official_update_preferences(
                    official=request.user, by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
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
        token = services.token_revoke(by=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profile")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the profile and in a cookie."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if not form.is_valid():
        messages.error(request, _("Unknown language."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        try:
            services.official_update_preferences(
                official=request.user, by=request.user, language=language
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return response
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


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; afterwards the official's other signed-in sockets are closed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.official_sessions_revoked(official=form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.official_sessions_revoked(official=form.user)
        return response


# Password-reset requests: per address, and per client, in an hour.
RESET_LIMIT_PER_ADDRESS = 3
RESET_LIMIT_PER_CLIENT = 20


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view with its mail queued (QueuedPasswordResetForm), and a rate limit so that
    nobody floods an inbox or the queue. The answer never says whether the address exists."""

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        client = self.request.META.get("REMOTE_ADDR") or "unknown"
        if not (
            ratelimit.allow(
                "reset-address", address, limit=RESET_LIMIT_PER_ADDRESS, window_seconds=3600
            )
            and ratelimit.allow(
                "reset-client", client, limit=RESET_LIMIT_PER_CLIENT, window_seconds=3600
            )
        ):
            form.add_error(
                None,
                _("Too many password reset requests. Wait an hour, or ask your administrator."),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
