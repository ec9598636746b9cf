"""Print the carbon inventory of a year, computed from scratch from the activity data with the
factors in use.

    manage.py carbon_inventory --year 2023 --json    # one JSON object per line per district
    manage.py carbon_inventory --year 2023           # a table
    manage.py carbon_inventory --recompute           # refresh the stored copies the pages read
                                                     # (districts and market enterprises)
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from shanshui.carbon import services
from shanshui.orgs.models import Unit


class Command(BaseCommand):
    help = "The carbon inventory per district (direct, indirect and total CO2 in t; energy in tce)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--json", action="store_true", help="JSON lines, one per district.")
        parser.add_argument(
            "--recompute", action="store_true", help="Recompute the stored inventory of all years."
        )

    def handle(self, *args, **options):
        if options["recompute"]:
            n = services.inventory_recompute()
            self.stdout.write(f"{n} inventory cells recomputed.")
            n = services.enterprise_recompute()
            self.stdout.write(f"{n} enterprise-years recomputed.")
            if options["year"] is None:
                return
        year = options["year"]
        if year is None:
            raise CommandError("Give --year.")
        cells, _sectors = services.compute_cells(years=[year])
        totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for i in range(len(cells)):
            t = totals[int(cells.district[i])]
            t[0] += float(cells.direct_co2_t[i])
            t[1] += float(cells.indirect_co2_t[i])
            t[2] += float(cells.energy_tce[i])
        units = Unit.objects.in_bulk(list(totals))
        for d in sorted(totals, key=lambda d: units[d].path):
            direct, indirect, tce = totals[d]
            row = {
                "district": units[d].name,
                "year": year,
                "direct_co2_t": round(direct, 3),
                "indirect_co2_t": round(indirect, 3),
                "total_co2_t": round(direct + indirect, 3),
                "energy_tce": round(tce, 3),
            }
            if options["json"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            else:
                self.stdout.write(
                    f"{row['district']}\t{row['direct_co2_t']:.1f}\t{row['indirect_co2_t']:.1f}\t"
                    f"{row['total_co2_t']:.1f}\t{row['energy_tce']:.1f}"
                )
