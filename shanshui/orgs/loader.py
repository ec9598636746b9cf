"""Keeps the shipped reference units (reference_units.py) in the database, idempotently.

Run after every ``migrate`` (post_migrate) and by ``manage.py load_units``. A second run changes
nothing. Each reference unit remembers a fingerprint of the shipped entry last applied: while the
shipped entry is unchanged, local edits made in the administration (a newly published code, a
note, a closing date) are kept; when a release changes the entry, the shipped values are applied
again. Aliases added locally are always kept; local units (without a key) are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import transaction

from shanshui.orgs.models import Unit
from shanshui.orgs.reference_units import reference_units
from shanshui.orgs.services import unit_set_aliases


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def load_reference_units() -> LoadResult:
    result = LoadResult()
    entries = reference_units()
    by_key = {u.key: u for u in Unit.objects.filter(key__in=[e["key"] for e in entries])}
    applied: set[str] = set()
    for entry in entries:
        fingerprint = hashlib.sha256(
            json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        existing = by_key.get(entry["key"])
        if existing is not None and existing.reference_hash == fingerprint:
            continue
        applied.add(entry["key"])
        wanted = {
            "name": entry["name"],
            "short_name": entry.get("short", ""),
            "kind": entry["kind"],
            "parent": by_key[entry["parent"]] if entry.get("parent") else None,
            "admin_code": entry.get("code", ""),
            "valid_from": _date(entry.get("valid_from")),
            "valid_to": _date(entry.get("valid_to")),
            "sort_order": entry.get("order", 0),
            "note": entry.get("note", ""),
            "reference_hash": fingerprint,
        }
        unit = by_key.get(entry["key"])
        if unit is None:
            unit = Unit(key=entry["key"], **wanted)
            unit.save()
            by_key[unit.key] = unit
            result.created.append(unit.key)
        else:
            diff = [f for f, v in wanted.items() if f != "parent" and getattr(unit, f) != v]
            if unit.parent_id != (wanted["parent"].pk if wanted["parent"] else None):
                diff.append("parent")
            if diff:
                for f in diff:
                    setattr(unit, f, wanted[f])
                unit.save()
                result.updated.append(unit.key)
        aliases_changed = unit_set_aliases(unit, entry.get("aliases", []))
        if aliases_changed and unit.key not in result.created + result.updated:
            result.updated.append(unit.key)
    # Successors point at units that may come later in the list: second pass.
    for entry in entries:
        if entry["key"] not in applied:
            continue
        unit = by_key[entry["key"]]
        successor = by_key[entry["successor"]] if entry.get("successor") else None
        if unit.successor_id != (successor.pk if successor else None):
            unit.successor = successor
            unit.save(update_fields=["successor", "updated_at"])
            if unit.key not in result.created + result.updated:
                result.updated.append(unit.key)
    result.unchanged = len(entries) - len(result.created) - len(result.updated)
    return result


def load_reference_units_after_migrate(sender, using="default", verbosity=1, **kwargs) -> None:
    # Migrations may stop before orgs' tables exist (e.g. ``migrate orgs zero``).
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if Unit._meta.db_table not in tables or "orgs_unitalias" not in tables:
        return
    result = load_reference_units()
    if verbosity >= 1 and result.changed:
        print(
            f"  Reference units: {len(result.created)} created, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged."
        )
