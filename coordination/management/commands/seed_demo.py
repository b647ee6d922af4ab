from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coordination.organisation.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo agencies and officials (idempotent); refuses in production mode."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with RAKOR_ENV=production.")
        logins = seed_demo()
        from meetings.demo import seed_demo_meetings  # the meetings app builds on this one

        made = seed_demo_meetings()
        if made:
            self.stdout.write(f"Demo meetings scheduled: {made}")
        self.stdout.write("Demo officials (username / password):")
        for login in logins:
            password = login.password or "(changed since seeding)"
            who = f"{login.name}, {login.agency}"
            self.stdout.write(f"  {login.username:<8} {password:<24} {login.role:<14} {who}")
