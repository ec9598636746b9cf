"""manage.py import_water FILE…: import water samples from CSV (断面编码, 采样日期, one column per
GB 3838 item), all or nothing per file, idempotent; each sample's class is computed."""

from __future__ import annotations

from pathlib import Path

from shanshui.monitoring import services
from shanshui.monitoring.management.commands import import_air


class Command(import_air.Command):
    help = (
        "Import water samples from CSV files (断面编码, 采样日期, pH, 溶解氧 …). All or nothing "
        "per file; importing a file again changes nothing."
    )
    kind = "water"

    def run_import(self, actor, path: Path, dry_run: bool, max_bytes: int | None):
        return services.water_csv_import(
            actor=actor, fileobj=path, dry_run=dry_run, max_bytes=max_bytes
        )
