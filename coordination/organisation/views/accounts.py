"""Signing in and out, passwords, and the second factor at sign-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coordination.organisation import second_factor, services
from coordination.organisation.forms import SecondFactorCodeForm
from coordination.platform import ratelimit
from coordination.platform.http import safe_next


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
    """Django's view; afterwards the change is audited and the official's other signed-in
    sockets are closed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.official_password_changed(official=form.user, request=self.request)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.official_password_changed(official=form.user, request=self.request, reset=True)
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


@never_cache
@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or a recovery code."""
    official = request.user
    next_url = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    state = second_factor.session_state(official, request.session)
    if state == second_factor.State.OK:
        return redirect(next_url)
    if state == second_factor.State.SETUP:
        return redirect("second_factor_setup")
    form = SecondFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and second_factor.second_factor_verify(
            official=official, code=form.cleaned_data["code"], request=request
        ):
            return redirect(next_url)
        form.add_error("code", _("That code is not right. Try the next code from your app."))
        status = 400
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": next_url},
        status=status,
    )
