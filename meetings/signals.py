"""Signals other parts of Rakor listen to.

`notulen_approved` is sent after the commit that approves a revision of a meeting's
notulen, with `revision` (a NotulenRevision): the hook where the decision log seals the
approved record (its hash chain, a later issue). Receivers must not change the revision.
"""

from django.dispatch import Signal

notulen_approved = Signal()
