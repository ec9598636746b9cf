"""Demo data for a first look: personas with the password ``shanshui-demo`` and a few towns.

Idempotent: existing accounts, units and roles are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from shanshui.orgs.loader import load_reference_units
from shanshui.orgs.models import Membership, Role, Unit, UnitKind
from shanshui.orgs.services import unit_reindex_names

DEMO_PASSWORD = "shanshui-demo"


@dataclass(frozen=True)
class Persona:
    username: str
    full_name: str
    unit_key: str | None
    role: str | None
    post: str
    description: str


PERSONAS = [
    Persona(
        "office",
        "刘明",
        "cq-inspection-office",
        Role.OFFICE,
        "督察整改办综合组组长",
        "市督察整改办: sees and runs everything",
    ),
    Persona(
        "wanzhou",
        "陈静",
        "cq-wanzhou",
        Role.UNIT_ADMIN,
        "区生态环境局联络员",
        "万州区 unit administrator",
    ),
    Persona(
        "yuzhong",
        "王磊",
        "cq-yuzhong",
        Role.UNIT_ADMIN,
        "区生态环境局联络员",
        "渝中区 unit administrator",
    ),
    Persona(
        "sthjj",
        "赵敏",
        "cq-ecology-environment",
        Role.UNIT_ADMIN,
        "督察处联络员",
        "市生态环境局 unit administrator",
    ),
    Persona("leader", "周强", "cq-wanzhou", Role.LEADER, "副区长", "万州区 leader (党政同责)"),
    Persona("admin", "系统管理员", None, None, "", "superuser"),
]

# Real towns and streets (乡镇街道) under two districts, so the tree shows depth.
DEMO_TOWNS = {
    "cq-wanzhou": ["高笋塘街道", "太白街道", "牌楼街道", "龙都街道", "五桥街道"],
    "cq-yuzhong": ["解放碑街道", "朝天门街道", "七星岗街道", "化龙桥街道"],
}


@transaction.atomic
def load_demo() -> list[str]:
    """Create what is missing; return a line per thing created."""
    created: list[str] = []
    load_reference_units()
    for district_key, towns in DEMO_TOWNS.items():
        district = Unit.objects.get(key=district_key)
        for order, town in enumerate(towns, start=1):
            unit, made = Unit.objects.get_or_create(
                parent=district,
                name=f"{district.name}{town}",
                defaults={"short_name": town, "kind": UnitKind.TOWN, "sort_order": order},
            )
            if made:
                unit_reindex_names(unit)
                created.append(f"unit {unit.name}")
    User = get_user_model()
    for persona in PERSONAS:
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            user = User(username=persona.username, first_name=persona.full_name)
            if persona.username == "admin":
                user.is_superuser = user.is_staff = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            created.append(f"user {persona.username}")
        if persona.unit_key:
            unit = Unit.objects.get(key=persona.unit_key)
            _, made = Membership.objects.get_or_create(
                user=user, unit=unit, role=persona.role, defaults={"post": persona.post}
            )
            if made:
                created.append(f"role {persona.username} · {unit} · {persona.role}")
    return created
