"""Signals other parts of Rakor listen to.

`notulen_approved` is sent after the commit that approves a revision of a meeting's
notulen, with `revision` (a NotulenRevision). The approval is already sealed in the decision
log by then (in the approving transaction); receivers must not change the revision.
"""

from django.dispatch import Signal

notulen_approved = Signal()
