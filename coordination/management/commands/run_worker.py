import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coordination.platform.worker import Worker

logger = logging.getLogger("rakor.worker")


class Command(BaseCommand):
    help = (
        "Run the background worker of a production deployment: mail, reminders and every "
        "other registered job, each once even with several workers. Stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--poll",
            type=float,
            default=None,
            help="seconds between looks for due jobs (default RAKOR_WORKER_POLL_SECONDS)",
        )

    def handle(self, *args, poll: float | None, **options):
        if not settings.REDIS_URL:
            raise CommandError(
                "run_worker needs REDIS_URL: without Redis the channel layer lives inside "
                "one process, so the embedded default runs these jobs inside daphne instead "
                "(make run)."
            )
        stop = threading.Event()

        def request_stop(signum, _frame):
            logger.info(
                "worker received %s, finishing the current job", signal.Signals(signum).name
            )
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        Worker().run_forever(stop, poll_seconds=poll or settings.RAKOR_WORKER_POLL_SECONDS)
