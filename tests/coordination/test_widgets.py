"""Date and time inputs carry ISO values in every language (browsers drop anything else)."""

from __future__ import annotations

import datetime
import importlib
import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.utils import translation

from coordination.platform.widgets import IsoDateInput, IsoTimeInput

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("coordination", "messaging", "meetings")


def project_forms():
    """Every form class defined in a forms.py of the project, wherever it lives."""
    for path in sorted(p for package in PACKAGES for p in (BASE_DIR / package).rglob("forms.py")):
        name = ".".join(path.relative_to(BASE_DIR).with_suffix("").parts)
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                yield cls


def test_every_date_and_time_field_of_the_project_uses_an_iso_widget():
    checked = 0
    for form_class in project_forms():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateTimeField):
                pytest.fail(f"{form_class.__name__}.{name}: no ISO datetime widget yet")
            if isinstance(field, forms.DateField):
                assert isinstance(field.widget, IsoDateInput), f"{form_class.__name__}.{name}"
                checked += 1
            elif isinstance(field, forms.TimeField):
                assert isinstance(field.widget, IsoTimeInput), f"{form_class.__name__}.{name}"
                checked += 1
    assert checked >= 5  # the meeting form's date and times, the working hours


@pytest.mark.parametrize("language", ["id", "en"])
def test_date_and_time_inputs_render_iso_values_in_each_language(language):
    class Form(forms.Form):
        day = forms.DateField(widget=IsoDateInput())
        at = forms.TimeField(widget=IsoTimeInput())

    form = Form(initial={"day": datetime.date(2026, 12, 4), "at": datetime.time(9, 5)})
    with translation.override(language):
        html = str(form["day"]) + str(form["at"])
    assert re.search(r'type="date"[^>]*value="2026-12-04"', html), html
    assert re.search(r'type="time"[^>]*value="09:05"', html), html


def test_the_indonesian_date_a_browser_posts_back_is_read():
    class Form(forms.Form):
        day = forms.DateField(widget=IsoDateInput())

    with translation.override("id"):
        form = Form({"day": "2026-12-04"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2026, 12, 4)
