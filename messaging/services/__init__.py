"""Every write of messaging, one module per concern:

- `timeline`: messages, edits, deletions (each takes the room's next seq), read marks, typing;
- `rooms`: coordination rooms and their members, direct conversations, the rooms kept in step
  with an agency or a meeting, archiving;
- `directives`: messages that ask for acknowledgement, and the acknowledgements;
- `attachments`: uploads, checked by content, taken by one message, purged when never sent;
- `presence`: online and away (ephemeral, never stored).

Views, the API, the socket frames (messaging.socket) and jobs call these; none of them writes
a messaging model itself. Arguments are keyword-only and typed: input was cleaned where it
entered (API schemas, forms, socket frames).
"""
