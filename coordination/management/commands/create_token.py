from django.core.management.base import BaseCommand, CommandError

from coordination.organisation.models import Official
from coordination.organisation.services import token_create
from coordination.platform.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it, alone, on stdout."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        official = Official.objects.filter(username=username).first()
        if official is None:
            raise CommandError(f"No official with username {username!r}.")
        try:
            _token, raw = token_create(official=official, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
