"""Signals that other apps listen to, so that coordination never imports them.

`official_agency_changed` is sent after commit when an official gets an agency or moves to
another (creation included), with `official_id`, `old_agency_id` and `new_agency_id`.
messaging keeps agency rooms in step with it, and meetings the participants of meetings
that invited an agency whole.
"""

from django.dispatch import Signal

official_agency_changed = Signal()
