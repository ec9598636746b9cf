from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from shanshui.orgs.demo import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "Load demo personas and towns (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        created = []
        # orgs loads people and units first; apps built on it add theirs (SHANSHUI_DEMO_LOADERS).
        for path in settings.SHANSHUI_DEMO_LOADERS:
            created += import_string(path)()
        if created:
            for line in created:
                self.stdout.write(f"  created {line}")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for p in PERSONAS:
            self.stdout.write(f"  {p.username:<8} {p.description}")
