"""Personas for every app's tests, built in code (no fixtures files).

office      — 市督察整改办, office role: sees everything
district_a  — 万州区 unit administrator (联络员)
district_a_staff — 万州区 staff (经办人)
town_a      — staff of a town (街道) under 万州区
district_b  — 渝中区 unit administrator
department  — 市生态环境局 unit administrator (sector duty)
leader      — 万州区 leader (党政同责)
citizen     — an account with no role anywhere

Use the ``personas`` fixture (conftest.py), or ``make_personas()`` in setUpTestData.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from shanshui.orgs.models import Membership, Role, Unit, UnitKind

PASSWORD = "persona-pass-123"


@dataclass
class Personas:
    office: object
    district_a: object
    district_a_staff: object
    town_a: object
    district_b: object
    department: object
    leader: object
    citizen: object
    unit_office: Unit
    unit_a: Unit
    unit_town_a: Unit
    unit_b: Unit
    unit_department: Unit


def make_user(username: str, *, unit: Unit | None = None, role: str | None = None, post: str = ""):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username
    )
    if unit is not None and role is not None:
        Membership.objects.create(user=user, unit=unit, role=role, post=post)
    return user


def make_personas() -> Personas:
    """Needs the reference units (loaded by migrate)."""
    unit_office = Unit.objects.get(key="cq-inspection-office")
    unit_a = Unit.objects.get(key="cq-wanzhou")
    unit_b = Unit.objects.get(key="cq-yuzhong")
    unit_department = Unit.objects.get(key="cq-ecology-environment")
    unit_town_a = Unit.objects.create(
        name="重庆市万州区高笋塘街道", short_name="高笋塘街道", kind=UnitKind.TOWN, parent=unit_a
    )
    return Personas(
        office=make_user("p_office", unit=unit_office, role=Role.OFFICE),
        district_a=make_user("p_wanzhou", unit=unit_a, role=Role.UNIT_ADMIN),
        district_a_staff=make_user("p_wanzhou_staff", unit=unit_a, role=Role.STAFF),
        town_a=make_user("p_town", unit=unit_town_a, role=Role.STAFF),
        district_b=make_user("p_yuzhong", unit=unit_b, role=Role.UNIT_ADMIN),
        department=make_user("p_sthjj", unit=unit_department, role=Role.UNIT_ADMIN),
        leader=make_user("p_leader", unit=unit_a, role=Role.LEADER, post="副区长"),
        citizen=make_user("p_citizen"),
        unit_office=unit_office,
        unit_a=unit_a,
        unit_town_a=unit_town_a,
        unit_b=unit_b,
        unit_department=unit_department,
    )
