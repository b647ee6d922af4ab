"""Form widgets whose values browsers read whatever the page's language.

`<input type="date">` and `<input type="time">` take only ISO values (`2026-12-04`, `09:00`);
a localised value (`04-12-2026`, as Indonesian writes dates) is dropped by the browser and the
field shows blank. Every date and time field uses these, never Django's localised defaults.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_TIME)
