"""Recompute the decision log's hash chain and check every cached state against it; exit
non-zero naming the first bad entry. Anchors (the head written outside the database on a
schedule, RAKOR_DECISION_LOG_ANCHOR_FILE) reveal a tail that was deleted."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meetings import decision_log


class Command(BaseCommand):
    help = "Verify the decision log's hash chain, its cached states and its anchors."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="FILE",
            help="an anchor file (lines '<entries> <sha256> <time>'); "
            "default: RAKOR_DECISION_LOG_ANCHOR_FILE when it exists",
        )
        parser.add_argument("--anchor-entries", type=int, help="an anchor given by hand: entries")
        parser.add_argument("--anchor-hash", help="an anchor given by hand: the head's SHA-256")
        parser.add_argument(
            "--no-files", action="store_true", help="do not re-read the attached files' bytes"
        )
        parser.add_argument(
            "--write-anchor",
            action="store_true",
            help="after a successful check, write the head to the configured anchor file/mailbox",
        )

    def handle(self, *args, **options):
        anchors: list[decision_log.Anchor] = []
        problem = ""
        paths = options["anchor"]
        if not paths and settings.RAKOR_DECISION_LOG_ANCHOR_FILE:
            anchors, problem = decision_log.anchors_from_settings()
        for path in paths:
            try:
                anchors.extend(decision_log.anchors_read(path))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the anchors: {exc}") from exc
        if (options["anchor_entries"] is None) != (options["anchor_hash"] is None):
            raise CommandError("--anchor-entries and --anchor-hash go together")
        if options["anchor_hash"] is not None:
            digest = options["anchor_hash"].strip().lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise CommandError("--anchor-hash is a SHA-256 in hex (64 characters)")
            anchors.append(
                decision_log.Anchor(options["anchor_entries"], digest, "the command line")
            )
        report = decision_log.verify(
            anchors=anchors, anchor_problem=problem, check_files=not options["no_files"]
        )
        for position, problem in sorted(report.problems, key=lambda p: (p[0] is None, p[0] or 0)):
            self.stderr.write(f"  entry {position}: {problem}" if position else f"  {problem}")
        if not report.intact:
            first = report.first_bad
            where = f"first bad entry: {first}" if first is not None else "a row outside the log"
            tail = "; its tail is missing" if report.missing_tail else ""
            raise CommandError(
                f"the decision log is NOT intact ({where}{tail}): "
                f"{len(report.problems)} problem(s), {report.entries} entries, "
                f"head {report.head}"
            )
        self.stdout.write(
            f"The decision log is intact: {report.entries} entries, head {report.head}"
            + (f", {len(anchors)} anchor(s) matched" if anchors else "")
        )
        if options["write_anchor"] and decision_log.anchor_write(force=True):
            self.stdout.write("Anchor written.")
