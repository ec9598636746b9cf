"""Data scope: which units' objects a user may see, and in which roles. 数据权限

Every query of a later app goes through here. The rules (DESIGN §3):

- A role held on a unit applies to that unit and every unit below it (a district's staff see
  their towns' objects), and to merged-away units whose successor is among them (两江新区 sees
  what still names 江北区 or 渝北区).
- The ``office`` role (督察整改办) and superusers see everything, in every role.
- Outside the scope an object does not exist for the user (404); inside it but without the
  needed role, the action is forbidden (403). ``get_in_scope_or_404`` and ``require_role`` say so.

Use: ``scope = scope_for(request.user)``; ``scope.filter(Task.objects.all(), "units")``;
``scope.require_role(unit, Role.UNIT_ADMIN)``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shanshui.orgs.models import Membership, Role, Unit

ALL_ROLES = frozenset(Role.values)


class DataScope:
    def __init__(self, user) -> None:
        self.user = user

    @cached_property
    def memberships(self) -> list[Membership]:
        if not getattr(self.user, "is_authenticated", False) or not self.user.is_active:
            return []
        return list(
            Membership.objects.filter(user=self.user)
            .select_related("unit")
            .order_by("unit__path", "role")
        )

    @cached_property
    def sees_all(self) -> bool:
        """Superusers and holders of the office role see every unit's objects."""
        if not getattr(self.user, "is_authenticated", False) or not self.user.is_active:
            return False
        return self.user.is_superuser or any(m.role == Role.OFFICE for m in self.memberships)

    @property
    def is_office(self) -> bool:
        return self.sees_all

    @cached_property
    def _roles_by_path(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for m in self.memberships:
            out[m.unit.path].add(m.role)
        return out

    @cached_property
    def root_units(self) -> list[Unit]:
        """The user's own units, without those already below another of them."""
        # A unit without a path would prefix-match everything; it can only be a half-saved row.
        units = sorted({m.unit for m in self.memberships if m.unit.path}, key=lambda u: u.path)
        roots: list[Unit] = []
        for unit in units:
            if not any(unit.path.startswith(r.path) for r in roots):
                roots.append(unit)
        return roots

    def _path_q(self) -> Q:
        q = Q(pk__in=[])
        for unit in self.root_units:
            q |= Q(path__startswith=unit.path)
            # Merged-away units whose duties passed to a unit in scope (two generations).
            q |= Q(successor__path__startswith=unit.path)
            q |= Q(successor__successor__path__startswith=unit.path)
        return q

    def units(self) -> QuerySet[Unit]:
        """Every unit whose objects the user may see."""
        if self.sees_all:
            return Unit.objects.all()
        if not self.root_units:
            return Unit.objects.none()
        return Unit.objects.filter(self._path_q())

    @staticmethod
    def _paths(unit: Unit) -> list[str]:
        """The unit's path and those of its successors (whose duties it passed on to)."""
        paths = [unit.path] if unit.path else []
        if unit.successor_id:
            paths.append(unit.current_successor().path)
        return [p for p in paths if p]

    @cached_property
    def _unit_ids(self) -> list[int]:
        return list(self.units().values_list("pk", flat=True))

    def unit_ids(self) -> list[int] | None:
        """Ids of the units in scope (None: all). A literal list gives the database planner
        exact estimates, where a path subquery would make it guess."""
        return None if self.sees_all else self._unit_ids

    def can_see_unit(self, unit: Unit) -> bool:
        if self.sees_all:
            return True
        return any(p.startswith(r.path) for p in self._paths(unit) for r in self.root_units)

    def roles_on(self, unit: Unit) -> frozenset[str]:
        """The roles the user holds on ``unit``, directly, through a unit above it, or through
        the unit that succeeded it."""
        if self.sees_all:
            return ALL_ROLES
        return self.own_roles_on(unit)

    def own_roles_on(self, unit: Unit) -> frozenset[str]:
        """The roles the user holds on ``unit`` through their own memberships: what they do as
        one of that unit's people. Seeing everything is not among them — the office oversees
        every district's task but does not sign for the district (签收) or report its progress."""
        roles: set[str] = set()
        paths = self._paths(unit)
        for path, held in self._roles_by_path.items():
            if path and any(p.startswith(path) for p in paths):
                roles |= held
        return frozenset(roles)

    def has_role(self, unit: Unit, *roles: str) -> bool:
        held = self.roles_on(unit)
        return bool(held & set(roles)) if roles else bool(held)

    def filter(self, queryset: QuerySet, unit_field: str = "unit") -> QuerySet:
        """Objects of ``queryset`` linked through ``unit_field`` to a unit in scope.

        ``unit_field`` may cross relations ("units", "task__units"). Multi-valued relations are
        matched with a subquery, so rows are not duplicated.
        """
        if self.sees_all:
            return queryset
        if not self.root_units:
            return queryset.none()
        condition = {f"{unit_field}__in": self.unit_ids()}
        if _crosses_many(queryset.model, unit_field):
            # A semi-join keeps one row per object and leaves the caller's ordering alone.
            inner = queryset.model._default_manager.filter(**condition).values("pk")
            return queryset.filter(pk__in=inner)
        return queryset.filter(**condition)

    def get_in_scope_or_404(self, queryset: QuerySet, unit_field: str = "unit", **lookup) -> Model:
        """One object by ``lookup``, or Http404 when it does not exist *or* is outside scope."""
        try:
            return self.filter(queryset, unit_field).get(**lookup)
        except queryset.model.DoesNotExist as exc:
            raise Http404 from exc

    def require_role(self, unit: Unit, *roles: str) -> None:
        """403 unless the user holds one of ``roles`` on ``unit`` (404 if it is not in scope)."""
        if not self.can_see_unit(unit):
            raise Http404
        if not self.has_role(unit, *roles):
            raise PermissionDenied

    def require_office(self, message: str | None = None) -> None:
        """403 unless the user is the rectification office (or a superuser)."""
        if not self.sees_all:
            raise PermissionDenied(message or _("Only the rectification office may do this."))

    def units_with_role(self, *roles: str, own: bool = False) -> QuerySet[Unit]:
        """Units on which the user holds one of ``roles`` (including units below them); with
        ``own``, only through the user's own memberships (see :meth:`own_roles_on`)."""
        if self.sees_all and not own:
            return Unit.objects.all()
        paths = [m.unit.path for m in self.memberships if m.role in set(roles) and m.unit.path]
        if not paths:
            return Unit.objects.none()
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(path__startswith=path) | Q(successor__path__startswith=path)
        return Unit.objects.filter(q)

    def describe(self) -> list[tuple[Unit, list[Role]]]:
        """The user's units with their roles, for the home page."""
        grouped: dict[Unit, list[Role]] = defaultdict(list)
        for m in self.memberships:
            grouped[m.unit].append(Role(m.role))
        return sorted(grouped.items(), key=lambda item: item[0].path)


def _crosses_many(model, field_path: str) -> bool:
    for name in field_path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
        if model is None:
            return False
    return False


def scope_for(user) -> DataScope:
    """The user's data scope, cached on the user object for the request."""
    cached = getattr(user, "_shanshui_scope", None)
    if cached is None:
        cached = DataScope(user)
        with contextlib.suppress(AttributeError):  # some user objects refuse attributes
            user._shanshui_scope = cached
    return cached


def roles_label(roles: Iterable[str]) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels.get(r, r)) for r in roles]
