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

from shanshui.orgs.models import PATH_STEP, Unit, UnitAlias
from shanshui.orgs.names import keys_for, normalize
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


def _fingerprint(entry: dict) -> str:
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _wanted(entry: dict, parent: Unit | None) -> dict:
    return {
        "name": entry["name"],
        "short_name": entry.get("short", ""),
        "kind": entry["kind"],
        "parent": parent,
        "admin_code": entry.get("code", ""),
        "valid_from": _date(entry.get("valid_from")),
        "valid_to": _date(entry.get("valid_to")),
        "sort_order": entry.get("order", 0),
        "note": entry.get("note", ""),
        "reference_hash": _fingerprint(entry),
    }


@transaction.atomic
def load_reference_units() -> LoadResult:
    entries = reference_units()
    by_key = {u.key: u for u in Unit.objects.filter(key__in=[e["key"] for e in entries])}
    if not by_key:
        return _create_all(entries)
    return _apply(entries, by_key)


def _apply(entries: list[dict], by_key: dict[str, Unit]) -> LoadResult:
    """Unit by unit: create what is missing, apply shipped entries that changed."""
    result = LoadResult()
    applied: set[str] = set()
    for entry in entries:
        fingerprint = _fingerprint(entry)
        existing = by_key.get(entry["key"])
        if existing is not None and existing.reference_hash == fingerprint:
            continue
        applied.add(entry["key"])
        wanted = _wanted(entry, by_key[entry["parent"]] if entry.get("parent") else None)
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


def _create_all(entries: list[dict]) -> LoadResult:
    """All reference units into a database that has none: the first migrate, and every flush of
    the test database (each transactional test ends with one, and post_migrate follows).

    The same rows as ``_apply`` would write, in the same order (so the same ids and paths), in
    a handful of bulk queries instead of about a thousand: the units, then their parents, paths
    and successors, then every unit's aliases, explicit ones first, as ``unit_set_aliases`` and
    ``unit_reindex_names`` would add them (a test compares the two).
    """
    units = [Unit(key=entry["key"], **_wanted(entry, None)) for entry in entries]
    Unit.objects.bulk_create(units)  # ids in list order, parents before children
    by_key = {unit.key: unit for unit in units}
    for entry, unit in zip(entries, units, strict=True):
        parent = by_key[entry["parent"]] if entry.get("parent") else None
        unit.parent = parent
        unit.path = (parent.path if parent else "") + f"{unit.pk:0{PATH_STEP}d}/"
        unit.depth = parent.depth + 1 if parent else 0
        unit.successor = by_key[entry["successor"]] if entry.get("successor") else None
    Unit.objects.bulk_update(units, ["parent", "path", "depth", "successor"])
    aliases: list[UnitAlias] = []
    for entry, unit in zip(entries, units, strict=True):
        explicit: dict[str, str] = {}
        for alias in entry.get("aliases", []):
            key = normalize(alias)
            if key and key not in explicit:
                explicit[key] = alias
        derived: dict[str, str] = {}
        for text in [unit.name, unit.short_name, *explicit.values()]:
            for key in keys_for(text or ""):
                derived.setdefault(key, text)
        aliases += [UnitAlias(unit=unit, alias=a, key=k) for k, a in explicit.items()]
        aliases += [
            UnitAlias(unit=unit, alias=text, key=key, is_derived=True)
            for key, text in derived.items()
            if key not in explicit
        ]
    UnitAlias.objects.bulk_create(aliases)
    return LoadResult(created=[unit.key for unit in units])


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
