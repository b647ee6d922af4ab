"""The words of the page scripts, in the reader's language.

Each catalogue is a function returning {key: text}, its texts marked for translation here
like any other (so `make messages` finds them). Pages render the ones their scripts need
with `{% js_catalogue "picker" %}`; static/js/lib/i18n.js reads them (`t("picker.remove",
{name})`). Keys are `<catalogue>.<word>`; placeholders are Django's `%(name)s`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _


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


CATALOGUES: dict[str, Callable[[], dict[str, str]]] = {"picker": picker}


def catalogue(*names: str) -> dict[str, str]:
    words: dict[str, str] = {}
    for name in names:
        words |= CATALOGUES[name]()
    return words
