import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from shanshui.orgs.models import Membership, Unit, UnitKind
from shanshui.orgs.pagination import Pagination
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import UnitAmbiguous, UnitNotFound, resolve_unit, unit_directory

router = Router(tags=["orgs"])


class UnitRef(Schema):
    id: int
    name: str
    short_name: str
    kind: str


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    parent_id: int | None
    admin_code: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_id: int | None
    is_current: bool
    aliases: list[str]

    @staticmethod
    def resolve_aliases(obj: Unit) -> list[str]:
        return [a.alias for a in obj.aliases.all() if not a.is_derived]


class MembershipOut(Schema):
    unit: UnitRef
    role: str
    role_label: str = Field(..., alias="get_role_display")
    post: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    sees_all: bool
    memberships: list[MembershipOut]


class MemberOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    post: str


@router.get("/me", response=MeOut, summary="The authenticated user, their units and roles")
def me(request):
    user = request.user
    scope = scope_for(user)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name() or user.username,
        "email": user.email,
        "sees_all": scope.sees_all,
        "memberships": scope.memberships,
    }


@router.get("/units", response=list[UnitOut], summary="Unit directory")
@paginate(Pagination)
def list_units(
    request,
    kind: UnitKind | None = None,
    name: str = Query("", max_length=120),
    alias: str = Query("", max_length=120),
    current: bool = False,
    parent: int | None = Query(None, ge=1, le=2**31 - 1),
):
    """Units, searchable by ``name`` (any part of a name, alias or code) or resolved
    exactly by ``alias`` ("万州", "重庆市万州区", "市环保局").
    ``current=true`` leaves out merged-away units."""
    if alias:
        today = timezone.localdate()
        try:
            units = [resolve_unit(alias, on=today if current else None)]
        except UnitNotFound:
            units = []
        except UnitAmbiguous as exc:
            units = exc.candidates
        ids = [u.pk for u in units if not current or u.is_valid_on(today)]
        return Unit.objects.filter(pk__in=ids).prefetch_related("aliases").order_by("path")
    qs = unit_directory(query=name, kind=kind or "", include_history=not current)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return qs.prefetch_related("aliases")


@router.get("/units/{unit_id}", response=UnitOut, summary="One unit")
def get_unit(request, unit_id: int = Path(..., ge=1, le=2**31 - 1)):
    return get_object_or_404(Unit.objects.prefetch_related("aliases"), pk=unit_id)


@router.get(
    "/units/{unit_id}/members",
    response=list[MemberOut],
    summary="People of a unit (only within your data scope)",
)
def unit_members(request, unit_id: int = Path(..., ge=1, le=2**31 - 1)):
    unit = get_object_or_404(Unit, pk=unit_id)
    scope = scope_for(request.user)
    scope.require_role(unit)  # 404 outside scope; any role inside it may read the roster
    memberships = Membership.objects.filter(unit=unit).select_related("user")
    return [
        {
            "username": m.user.username,
            "full_name": m.user.get_full_name() or m.user.username,
            "role": m.role,
            "role_label": m.get_role_display(),
            "post": m.post,
        }
        for m in memberships
    ]
