from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's jobs.py registers its worker jobs; the registry must be complete in
        # each process that enqueues or runs them.
        autodiscover_modules("jobs")
        from coordination.organisation import jobs as organisation_jobs  # noqa: F401
        from coordination.organisation import receivers  # noqa: F401 (connects the receivers)
        from coordination.platform import jobs  # noqa: F401 (the mail outbox's jobs)
