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


class _PickerMixin:
    """A select that static/js/lib/picker.js turns into a searchable picker: each option
    carries its name and a detail line (username, position, agency) to search and show;
    without scripts it is a plain select."""

    option_data: dict[str, dict[str, str]]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-picker": "1", **(attrs or {})})
        self.option_data = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        data = self.option_data.get(str(value))
        if data:
            option["attrs"] = {
                **option["attrs"],
                "data-name": data["name"],
                "data-detail": data["detail"],
            }
        return option


class PickerSelect(_PickerMixin, forms.Select):
    pass


class PickerSelectMultiple(_PickerMixin, forms.SelectMultiple):
    pass
