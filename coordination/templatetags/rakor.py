"""Template helpers for times, all through coordination.organisation.timefmt.

{% when meeting.start request.user %}                 → <time datetime="…">… WITA</time>
{% when meeting.start request.user beside=meeting.timezone kind="short" %}
{{ token.created_at|in_zone:request.user }}           → plain text

And for the page scripts: {% js_catalogue "messages" %} (their words), {% page_script
"js/messages.js" %} (the module and everything it imports, preloaded).
"""

from __future__ import annotations

import functools
import posixpath
import re
from datetime import datetime
from pathlib import Path

from django import template
from django.utils.html import format_html

from coordination.organisation.timefmt import format_in_zone, zone_label, zone_of

register = template.Library()


@register.simple_tag
def when(value, viewer=None, *, kind: str = "datetime", beside: str | None = None):
    """A <time> element showing `value` in the viewer's zone, with its label."""
    if not isinstance(value, datetime):
        return ""
    text = format_in_zone(value, zone_of(viewer), kind=kind, beside=beside or None)
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


@register.filter
def in_zone(value, viewer=None) -> str:
    """A time in the viewer's zone (an official or an IANA name) with its label."""
    if not isinstance(value, datetime):
        return ""
    return format_in_zone(value, zone_of(viewer))


@register.filter
def zone_abbr(viewer) -> str:
    return zone_label(zone_of(viewer))


@register.simple_tag
def js_catalogue(*names: str):
    """The named catalogues of page-script words (coordination.catalogues), as JSON in a
    <script type="application/json" data-catalogue> element that static/js/lib/i18n.js reads."""
    from django.utils.html import json_script
    from django.utils.safestring import mark_safe

    from coordination.wiring.catalogues import catalogue

    html = json_script(catalogue(*names))  # safe: the JSON's <, > and & are escaped
    tag = format_html('<script data-catalogue="{}" ', "+".join(names))
    return mark_safe(html.replace("<script ", tag, 1))


# The relative imports of a page-script module: `import … from "./x.js"`, `import "../x.js"`.
_MODULE_IMPORT = re.compile(r"""(?:\bimport|\bfrom)\s*["'](\.{1,2}/[^"']+\.js)["']""")


def _imported_modules(path: str) -> tuple[str, ...]:
    """Every module the static file `path` imports, directly or through another, each once."""
    from django.contrib.staticfiles import finders

    found: list[str] = []
    waiting = [path]
    while waiting:
        current = waiting.pop(0)
        source = finders.find(current)
        if not source:
            continue
        for target in _MODULE_IMPORT.findall(Path(source).read_text(encoding="utf-8")):
            name = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
            if name != path and name not in found:
                found.append(name)
                waiting.append(name)
    return tuple(found)


_imported_modules_cached = functools.lru_cache(maxsize=None)(_imported_modules)


@register.simple_tag
def page_script(path: str):
    """A page's script (an ES module under static/) and a <link rel="modulepreload"> for every
    module it imports, so the browser fetches them all at once rather than one level of
    imports after another (docs/architecture.md, "The page scripts")."""
    from django.conf import settings
    from django.templatetags.static import static
    from django.utils.html import format_html_join

    modules = (_imported_modules if settings.DEBUG else _imported_modules_cached)(path)
    script = format_html('<script src="{}" type="module"></script>', static(path))
    preload = '<link rel="modulepreload" href="{}">'
    return script + format_html_join("", preload, ((static(name),) for name in modules))
