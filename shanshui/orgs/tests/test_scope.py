"""Data scope: who sees which units' objects, and in which roles."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shanshui.orgs.models import Membership, Role, Unit
from shanshui.orgs.scope import scope_for

pytestmark = pytest.mark.django_db


def test_district_a_cannot_see_district_b(personas):
    scope = scope_for(personas.district_a)
    assert scope.can_see_unit(personas.unit_a)
    assert scope.can_see_unit(personas.unit_town_a)  # a unit sees its descendants
    assert not scope.can_see_unit(personas.unit_b)
    assert not scope.can_see_unit(personas.unit_department)
    assert set(scope.units()) == {personas.unit_a, personas.unit_town_a}


def test_district_b_cannot_see_district_a(personas):
    scope = scope_for(personas.district_b)
    assert not scope.can_see_unit(personas.unit_a)
    assert not scope.can_see_unit(personas.unit_town_a)
    assert list(scope.units()) == [personas.unit_b]


def test_office_sees_all(personas):
    scope = scope_for(personas.office)
    assert scope.sees_all
    assert scope.units().count() == Unit.objects.count()
    assert scope.roles_on(personas.unit_b) >= {Role.OFFICE, Role.UNIT_ADMIN, Role.LEADER}


def test_superuser_sees_all(personas, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x" * 12)
    assert scope_for(admin).sees_all


def test_a_department_sees_what_it_holds_a_role_on(personas):
    scope = scope_for(personas.department)
    assert list(scope.units()) == [personas.unit_department]
    memberships = scope.filter(Membership.objects.all(), "unit")
    assert set(memberships.values_list("user__username", flat=True)) == {"p_sthjj"}


def test_a_town_sees_only_itself_not_its_district(personas):
    scope = scope_for(personas.town_a)
    assert scope.can_see_unit(personas.unit_town_a)
    assert not scope.can_see_unit(personas.unit_a)


def test_a_user_without_roles_sees_nothing(personas):
    scope = scope_for(personas.citizen)
    assert not scope.units().exists()
    assert not scope.filter(Membership.objects.all(), "unit").exists()


def test_roles_apply_to_units_below(personas):
    scope = scope_for(personas.district_a)
    assert scope.roles_on(personas.unit_town_a) == {Role.UNIT_ADMIN}
    assert scope.roles_on(personas.unit_b) == frozenset()
    leader = scope_for(personas.leader)
    assert leader.has_role(personas.unit_town_a, Role.LEADER)
    assert not leader.has_role(personas.unit_town_a, Role.UNIT_ADMIN)


def test_filter_scopes_querysets_through_relations(personas):
    visible = scope_for(personas.district_a).filter(Membership.objects.all(), "unit")
    usernames = set(visible.values_list("user__username", flat=True))
    assert usernames == {"p_wanzhou", "p_wanzhou_staff", "p_leader", "p_town"}
    # Across a multi-valued relation, every object appears once.
    users = scope_for(personas.district_a).filter(
        personas.district_a.__class__.objects.all(), "memberships__unit"
    )
    assert users.filter(username="p_wanzhou").count() == 1
    assert not users.filter(username="p_yuzhong").exists()


def test_outside_scope_is_404_and_wrong_role_is_403(personas):
    staff = scope_for(personas.district_a_staff)
    with pytest.raises(Http404):
        staff.require_role(personas.unit_b, Role.UNIT_ADMIN)
    with pytest.raises(PermissionDenied):
        staff.require_role(personas.unit_a, Role.UNIT_ADMIN)
    staff.require_role(personas.unit_a, Role.STAFF)  # no exception
    other = Membership.objects.get(user=personas.district_b)
    with pytest.raises(Http404):
        staff.get_in_scope_or_404(Membership.objects.all(), "unit", pk=other.pk)


def test_units_with_role(personas):
    scope = scope_for(personas.leader)
    assert set(scope.units_with_role(Role.LEADER)) == {personas.unit_a, personas.unit_town_a}
    assert not scope.units_with_role(Role.UNIT_ADMIN).exists()


def test_an_inactive_user_sees_nothing(personas):
    personas.district_a.is_active = False
    personas.district_a.save()
    assert not scope_for(personas.district_a).units().exists()


def test_a_successor_sees_what_still_names_its_merged_predecessors(personas):
    from shanshui.testing.personas import make_user

    liangjiang = Unit.objects.get(key="cq-liangjiang")
    jiangbei = Unit.objects.get(key="cq-jiangbei")
    user = make_user("p_liangjiang", unit=liangjiang, role=Role.UNIT_ADMIN)
    scope = scope_for(user)
    assert scope.can_see_unit(jiangbei)
    assert scope.has_role(jiangbei, Role.UNIT_ADMIN)
    assert {"两江新区", "江北区", "渝北区"} <= set(
        scope.units().values_list("short_name", flat=True)
    )
    assert not scope_for(personas.district_a).can_see_unit(jiangbei)


def test_a_unit_without_a_path_grants_nothing(personas):
    Unit.objects.filter(pk=personas.unit_town_a.pk).update(path="")
    staff = scope_for(personas.town_a)
    assert not staff.units().exists()
