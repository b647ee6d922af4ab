"""The models of the `coordination` app, defined where they belong: the organisation domain's
in coordination/organisation/models.py, the platform's in coordination/platform/models.py.
Django loads this module for the app; code imports the models from where they are defined."""

from coordination.organisation.models import *  # noqa: F403
from coordination.organisation.models import (  # noqa: F401 (named in migrations)
    default_reminder_minutes,
    default_work_days,
    validate_reminder_minutes,
    validate_work_days,
    validate_zone_name,
)
from coordination.platform.models import *  # noqa: F403
