from django.core.management.base import BaseCommand

from shanshui.orgs.demo import DEMO_PASSWORD, PERSONAS, load_demo


class Command(BaseCommand):
    help = "Load demo personas and towns (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        created = load_demo()
        if created:
            for line in created:
                self.stdout.write(f"  created {line}")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for p in PERSONAS:
            self.stdout.write(f"  {p.username:<8} {p.description}")
