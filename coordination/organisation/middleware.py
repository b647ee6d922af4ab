"""Request middleware of the organisation: the official's language and time zone, and the
second factor a session still owes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from coordination.platform.http import API_PREFIX


class LanguageMiddleware:
    """Bahasa Indonesia unless someone chose otherwise; times in the official's zone.

    A signed-in official sees their profile's language; anyone else the language of the
    switch's cookie, else Bahasa Indonesia. The browser's Accept-Language is not consulted:
    many officials' browsers say English by default, and Rakor speaks Indonesian first.
    Runs after authentication, in place of Django's LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        # Times Django renders itself (the admin's) are in the official's zone too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def choose(request: HttpRequest) -> str:
        supported = {code for code, _name in settings.LANGUAGES}
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in supported:
            return user.language
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        return cookie if cookie in supported else settings.LANGUAGE_CODE


class SecondFactorMiddleware:
    """A signed-in session that still owes its second factor can only verify it (or, when
    the role requires one and none is set up yet, set one up), switch language and sign out.
    Pages redirect there; the API answers 403 with `second_factor_required`. Token clients
    are not affected: tokens are created from a verified session."""

    # View names (with their namespace), never bare URL names: admin:logout is not logout.
    EXEMPT_ALWAYS = frozenset(
        {"second_factor_verify", "logout", "language_switch", "healthz", "csp_report"}
    )
    EXEMPT_DURING_SETUP = EXEMPT_ALWAYS | {"second_factor_setup", "second_factor_qr"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from coordination.organisation.second_factor import State, session_state

            verified = user.is_verified() if hasattr(user, "is_verified") else None
            state = session_state(user, request.session, verified=verified)
            if state != State.OK and not self.exempt(request, state):
                return self.refuse(request, state)
        return self.get_response(request)

    def exempt(self, request: HttpRequest, state) -> bool:
        from coordination.organisation.second_factor import State

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        allowed = self.EXEMPT_DURING_SETUP if state == State.SETUP else self.EXEMPT_ALWAYS
        return match.view_name in allowed

    def refuse(self, request: HttpRequest, state) -> HttpResponse:
        from django.utils.translation import gettext as _

        from coordination.organisation.second_factor import State

        if request.path.startswith(API_PREFIX):
            from coordination.organisation.permissions import permission_denied

            permission_denied(official=request.user, action="use the API before the second factor")
            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "message": _("Confirm your second factor in the browser first."),
                },
                status=403,
            )
        target = "second_factor_verify" if state == State.VERIFY else "second_factor_setup"
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
