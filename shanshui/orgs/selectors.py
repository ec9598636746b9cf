"""Read queries on units: name resolution and the unit directory."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitAlias, UnitKind
from shanshui.orgs.names import (
    DEPARTMENTS,
    TERRITORIAL,
    Collective,
    keys_for,
    normalize,
    split_names,
)


class UnitLookupError(LookupError):
    code = "unit_lookup"

    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


class UnitNotFound(UnitLookupError):
    code = "unit_not_found"

    def __init__(self, text: str) -> None:
        super().__init__(text, _("No unit is known by the name “%(name)s”.") % {"name": text})


class UnitAmbiguous(UnitLookupError):
    code = "unit_ambiguous"

    def __init__(self, text: str, candidates: Iterable[Unit]) -> None:
        self.candidates = list(candidates)
        names = "、".join(
            f"{u.parent.display_name}·{u.name}" if u.parent_id else u.name for u in self.candidates
        )
        super().__init__(
            text,
            _("“%(name)s” could mean several units: %(candidates)s.")
            % {"name": text, "candidates": names},
        )


def _pick(text: str, ids_for_key: Callable[[str], set[int]], units_by_id, on) -> Unit:
    for key in keys_for(text):
        ids = ids_for_key(key)
        if not ids:
            continue
        units = units_by_id(ids)
        if on is not None and len(units) > 1:
            valid = [u for u in units if u.is_valid_on(on)]
            units = valid or units
        if len(units) == 1:
            return units[0]
        raise UnitAmbiguous(text, sorted(units, key=lambda u: u.path))
    raise UnitNotFound(text)


def resolve_unit(text: str, *, on: dt.date | None = None) -> Unit:
    """The one unit known by ``text`` ("万州", "重庆市万州区", "市环保局" …).

    Raises UnitNotFound or UnitAmbiguous (both carry a translated message). When ``on`` is
    given and several units share the name, the one valid on that day wins.
    """

    def ids_for_key(key: str) -> set[int]:
        return set(UnitAlias.objects.filter(key=key).values_list("unit_id", flat=True))

    def units_by_id(ids: set[int]) -> list[Unit]:
        return list(Unit.objects.filter(pk__in=ids).select_related("parent"))

    return _pick(text, ids_for_key, units_by_id, on)


class UnitResolver:
    """Resolves many names against an in-memory copy of the alias index (for imports)."""

    def __init__(self, *, on: dt.date | None = None) -> None:
        self.on = on
        self._index: dict[str, set[int]] = defaultdict(set)
        for key, unit_id in UnitAlias.objects.values_list("key", "unit_id"):
            self._index[key].add(unit_id)
        self._units = {u.pk: u for u in Unit.objects.select_related("parent")}

    def resolve(self, text: str) -> Unit:
        return _pick(
            text,
            lambda key: self._index.get(key, set()),
            lambda ids: [self._units[i] for i in ids],
            self.on,
        )

    def resolve_many(self, text: str) -> list[Unit]:
        """Resolve a cell with several names ("市生态环境局、市水利局"); first error wins."""
        out: list[Unit] = []
        for name in split_names(text):
            unit = self.resolve(name)
            if unit not in out:
                out.append(unit)
        return out


class UnitsIndefinite(UnitLookupError):
    """A class of units that does not say which ("有关区县"): the user must choose them."""

    code = "units_indefinite"

    def __init__(self, found: Collective) -> None:
        self.collective = found
        super().__init__(
            found.text,
            _("“%(name)s” does not say which units it means; choose the units.")
            % {"name": found.text},
        )


def collective_choices(group: str) -> QuerySet:
    """The current units a class of ``group`` is chosen from (the pickers of an indefinite
    class): districts, counties and zones; departments; or any unit but towns and firms."""
    qs = Unit.objects.current()
    if group == TERRITORIAL:
        qs = qs.filter(kind__in=TERRITORIAL_KINDS)
    elif group == DEPARTMENTS:
        qs = qs.filter(kind=UnitKind.DEPARTMENT)
    else:
        qs = qs.exclude(kind__in=[UnitKind.TOWN, UnitKind.ENTERPRISE])
    return qs.order_by("path")


def collective_units(
    found: Collective, *, resolve: Callable[[str], Unit] | None = None
) -> list[Unit]:
    """The current units a definite class holds: every district, county and zone of today, or
    the units it lists ("两江新区、重庆高新区、万盛经开区管委会"), each as it is today.

    Raises UnitsIndefinite for a class that does not say which units it holds, and the lookup
    error of a listed name no unit has."""
    if not found.definite:
        raise UnitsIndefinite(found)
    if not found.members:
        return list(collective_choices(TERRITORIAL))
    resolve = resolve or resolve_unit
    out: list[Unit] = []
    for name in found.members:
        unit = resolve(name)
        if unit.valid_to is not None and unit.successor_id:
            unit = unit.current_successor()
        if unit not in out:
            out.append(unit)
    return out


def unit_directory(*, query: str = "", kind: str = "", include_history: bool = True) -> QuerySet:
    """Units for the directory page and the API, searchable by name, alias or code."""
    qs = Unit.objects.select_related("parent", "successor").annotate(
        child_count=Count("children", distinct=True)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if not include_history:
        qs = qs.current()
    query = (query or "").strip()
    if query:
        keys = keys_for(query) or [normalize(query)]
        alias_match = UnitAlias.objects.filter(
            Q(key__in=keys) | Q(key__contains=normalize(query))
        ).values("unit_id")
        qs = qs.filter(
            Q(pk__in=alias_match)
            | Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(admin_code__startswith=query)
        )
    return qs.order_by("path")
