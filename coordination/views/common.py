from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from coordination.errors import DomainError


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


def safe_next(request, candidate: str | None, default: str = "/") -> str:
    """`candidate` if it points back into this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
