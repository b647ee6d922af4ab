"""Every write of meetings, one module per concern:

- `scheduling`: scheduling, changing and cancelling a meeting (its participants, its room, the
  invitations it sends, its SEQUENCE and version);
- `answers`: answers to invitations, by the participant, by the link in the mail, by an
  iTIP reply (meetings.itip parses it);
- `attendance`: joining the video meeting;
- `meeting_mode`: the meeting opened and closed, the item under discussion, the speakers'
  queue, attendance marked by the chair;
- `notulen`: the notulen written, submitted, approved or returned, and corrected;
- `agenda`: the agenda's items, their order, proposals and editors, and the invitation update
  agenda changes send;
- `agencies`: meetings that invited an agency whole follow its officials as they move;
- `feeds`: calendar subscription URLs issued, renewed, revoked.

A change is one transaction: the meeting, its participants, its messaging room and the
outgoing invitations (the mail outbox) are written together, so an invitation exists exactly
when the change does. Views, the API, the mail inbox and commands call these; nothing else
writes meetings. Arguments are keyword-only and typed: input was cleaned where it entered.
"""
