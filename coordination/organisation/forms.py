"""Forms of the organisation pages. They validate input; services do the writing."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coordination.organisation.models import Language, Official, Zone
from coordination.organisation.services import TOKEN_NAME_MAX
from coordination.platform.mail import mail_queue
from coordination.platform.widgets import IsoTimeInput

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


REMINDER_CHOICES = [
    (10, _("10 minutes before")),
    (15, _("15 minutes before")),
    (30, _("30 minutes before")),
    (60, _("1 hour before")),
    (120, _("2 hours before")),
    (24 * 60, _("1 day before")),
    (2 * 24 * 60, _("2 days before")),
    (7 * 24 * 60, _("1 week before")),
]


def reminder_label(minutes: int) -> str:
    """A lead time in words, for one set outside the form's choices (through the admin)."""
    for value, label in REMINDER_CHOICES:
        if value == minutes:
            return str(label)
    if minutes % 60 == 0:
        return _("%(n)d hours before") % {"n": minutes // 60}
    return _("%(n)d minutes before") % {"n": minutes}


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[("", _("My agency’s time zone")), *Zone.choices],
        required=False,
    )
    work_start = forms.TimeField(
        label=_("Working hours start"),
        widget=IsoTimeInput(),
    )
    work_end = forms.TimeField(
        label=_("Working hours end"),
        widget=IsoTimeInput(),
    )
    work_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reminder_minutes = forms.TypedMultipleChoiceField(
        label=_("Meeting reminders"),
        choices=REMINDER_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("In Rakor and by e-mail, for every meeting you have not declined."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def __init__(self, *args, reminders: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A lead time set elsewhere stays offered, so saving the form keeps it.
        known = {value for value, _label in REMINDER_CHOICES}
        extra = [(m, reminder_label(m)) for m in reminders or () if m not in known]
        if extra:
            choices = sorted([*REMINDER_CHOICES, *extra], key=lambda choice: choice[0])
            self.fields["reminder_minutes"].choices = choices

    def clean_reminder_minutes(self) -> list[int]:
        return sorted(set(self.cleaned_data["reminder_minutes"]), reverse=True)

    @classmethod
    def for_official(cls, official: Official, data=None) -> PreferencesForm:
        initial = {
            "language": official.language,
            "timezone": official.timezone,
            "work_start": official.work_start,
            "work_end": official.work_end,
            "work_days": official.work_days,
            "reminder_minutes": official.reminder_minutes,
            "phone": official.phone,
        }
        return cls(data=data, initial=initial, reminders=official.reminder_minutes)


class NotificationSettingsForm(forms.Form):
    """How notifications reach the official: a mail choice per group, the digest's hour and
    quiet hours. The groups and their rules are coordination.organisation.notifications'."""

    digest_time = forms.TimeField(
        label=_("Daily digest at"),
        widget=IsoTimeInput(),
        help_text=_("In your time zone; only sent when something is waiting."),
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), widget=IsoTimeInput(), required=False
    )
    quiet_end = forms.TimeField(label=_("Quiet hours until"), widget=IsoTimeInput(), required=False)

    def __init__(self, *args, **kwargs):
        from coordination.organisation import notifications

        super().__init__(*args, **kwargs)
        self.groups = []
        for name, group in notifications.GROUPS.items():
            if not group.choices:
                self.groups.append((name, group, None))
                continue
            field = forms.ChoiceField(
                label=group.label,
                choices=[(c, notifications.MAIL_LABELS[c]) for c in group.choices],
                widget=forms.RadioSelect,
                help_text=group.help,
            )
            self.fields[f"mail_{name}"] = field
            self.groups.append((name, group, name))

    def group_rows(self):
        """(label, help, bound field or None) per group, for the template."""
        return [
            (group.label, group.help, self[f"mail_{field}"] if field else None)
            for _name, group, field in self.groups
        ]

    def mail_choices(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"mail_{name}"]
            for name, _group, field in self.groups
            if field is not None
        }

    @classmethod
    def for_official(cls, official: Official, data=None) -> NotificationSettingsForm:
        from coordination.organisation import notifications

        current = notifications.notification_settings(official)
        initial = {
            "digest_time": official.digest_time,
            "quiet_start": official.quiet_start,
            "quiet_end": official.quiet_end,
            **{f"mail_{name}": value for name, value in current["mail"].items()},
        }
        return cls(data=data, initial=initial)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The 6-digit code in your authenticator app, or one of your recovery codes."),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=TOKEN_NAME_MAX,
        help_text=_("Say what will use it, e.g. “agenda sync script”."),
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose mail leaves through the worker (retried while SMTP is down),
    written in the official's own language."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        language = getattr(context.get("user"), "language", None) or translation.get_language()
        with translation.override(language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            message = EmailMultiAlternatives(subject, body, from_email, [to_email])
            if html_email_template_name is not None:
                message.attach_alternative(
                    loader.render_to_string(html_email_template_name, context), "text/html"
                )
        user = context.get("user")
        mail_queue(
            message,
            official_id=user.pk if user is not None else None,
            kind="password_reset",
            sensitive=True,
        )
