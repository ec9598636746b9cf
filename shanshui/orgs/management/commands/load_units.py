from django.core.management.base import BaseCommand

from shanshui.orgs.loader import load_reference_units


class Command(BaseCommand):
    help = "Load or update the city's reference units (idempotent; migrate runs it too)."

    def handle(self, *args, **options):
        result = load_reference_units()
        self.stdout.write(
            f"Reference units: {len(result.created)} created, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged."
        )
