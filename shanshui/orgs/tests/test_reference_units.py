"""The shipped units: the city's real structure, loaded idempotently by migrate."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from shanshui.orgs.loader import _apply, load_reference_units
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitAlias, UnitKind
from shanshui.orgs.reference_units import reference_units

pytestmark = pytest.mark.django_db

AFTER_MERGER = dt.date(2026, 1, 1)
BEFORE_MERGER = dt.date(2025, 11, 5)


def test_the_37_current_districts_and_counties():
    current = Unit.objects.valid_on(AFTER_MERGER)
    assert current.filter(kind=UnitKind.DISTRICT).count() == 25
    assert current.filter(kind=UnitKind.COUNTY).count() == 8
    assert current.filter(kind=UnitKind.AUTONOMOUS_COUNTY).count() == 4
    zones = set(current.filter(kind=UnitKind.ZONE).values_list("short_name", flat=True))
    assert zones == {"重庆高新区", "万盛经开区"}
    assert current.filter(kind__in=TERRITORIAL_KINDS).count() == 39
    assert current.get(short_name="两江新区").kind == UnitKind.DISTRICT


def test_before_the_merger_there_were_38_with_jiangbei_and_yubei():
    before = Unit.objects.valid_on(BEFORE_MERGER).filter(
        kind__in=[UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.AUTONOMOUS_COUNTY]
    )
    # 两江新区 was a national new area before it became a district; it is one unit throughout.
    assert before.exclude(short_name="两江新区").count() == 38


def test_jiangbei_and_yubei_are_historic_with_liangjiang_as_successor():
    liangjiang = Unit.objects.get(short_name="两江新区")
    for name, code in [("江北区", "500105"), ("渝北区", "500112")]:
        unit = Unit.objects.get(short_name=name)
        assert unit.admin_code == code
        assert unit.valid_to == dt.date(2025, 11, 6)
        assert unit.successor == liangjiang
        assert unit.current_successor() == liangjiang
        assert not unit.is_valid_on(dt.date(2025, 11, 6))
        assert unit.is_valid_on(BEFORE_MERGER)
    assert set(liangjiang.predecessors.values_list("short_name", flat=True)) == {"江北区", "渝北区"}


@pytest.mark.parametrize(
    ("short_name", "code"),
    [
        ("万州区", "500101"),
        ("渝中区", "500103"),
        ("綦江区", "500110"),
        ("武隆区", "500156"),
        ("城口县", "500229"),
        ("忠县", "500233"),
        ("石柱县", "500240"),
        ("彭水县", "500243"),
    ],
)
def test_gb_t_2260_codes(short_name, code):
    assert Unit.objects.get(short_name=short_name).admin_code == code


def test_departments_with_their_official_short_names():
    departments = set(
        Unit.objects.filter(kind=UnitKind.DEPARTMENT, parent__key="cq-gov").values_list(
            "short_name", flat=True
        )
    )
    assert len(departments) >= 25
    assert {
        "市生态环境局",
        "市发展改革委",
        "市经济信息委",
        "市住房城乡建委",
        "市交通运输委",
        "市规划自然资源局",
        "市林业局",
        "市水利局",
        "市城市管理局",
        "市农业农村委",
    } <= departments


def test_party_committee_government_and_office():
    assert Unit.objects.get(key="cq-party").short_name == "中共重庆市委"
    assert Unit.objects.get(key="cq-gov").name == "重庆市人民政府"
    office = Unit.objects.get(key="cq-inspection-office")
    assert office.kind == UnitKind.OFFICE
    assert office.parent.key == "cq-gov"


def test_tree_paths_follow_parents():
    wanzhou = Unit.objects.get(short_name="万州区")
    gov = Unit.objects.get(key="cq-gov")
    assert wanzhou.path.startswith(gov.path)
    assert wanzhou.depth == 1
    assert list(wanzhou.ancestors()) == [gov]


def test_moving_a_unit_moves_its_descendants():
    wanzhou = Unit.objects.get(short_name="万州区")
    town = Unit.objects.create(name="测试街道", kind=UnitKind.TOWN, parent=wanzhou)
    yuzhong = Unit.objects.get(short_name="渝中区")
    wanzhou.parent = yuzhong
    wanzhou.save()
    town.refresh_from_db()
    assert town.path.startswith(yuzhong.path + f"{wanzhou.pk:07d}/")
    assert town.depth == 3
    with pytest.raises(ValidationError):
        yuzhong.parent = town
        yuzhong.save()


def test_loading_again_changes_nothing():
    before = list(Unit.objects.order_by("pk").values())
    aliases = list(UnitAlias.objects.order_by("pk").values())
    result = load_reference_units()
    assert not result.changed
    assert result.unchanged == Unit.objects.exclude(key=None).count()
    assert list(Unit.objects.order_by("pk").values()) == before
    assert list(UnitAlias.objects.order_by("pk").values()) == aliases


def _reference_rows():
    """Units and aliases in id order, ids and paths spelled as keys (ids differ between loads)."""
    key_of = dict(Unit.objects.values_list("pk", "key"))
    fields = ["name", "short_name", "kind", "depth", "admin_code", "valid_from", "valid_to"]
    fields += ["sort_order", "note", "reference_hash"]
    units = [
        (
            u.key,
            key_of.get(u.parent_id),
            key_of.get(u.successor_id),
            [key_of[int(part)] for part in u.path.split("/") if part],
            *(getattr(u, f) for f in fields),
        )
        for u in Unit.objects.order_by("pk")
    ]
    aliases = list(
        UnitAlias.objects.order_by("pk").values_list("unit__key", "alias", "key", "is_derived")
    )
    return units, aliases


def _remove_reference_units():
    UnitAlias.objects.all().delete()
    Unit.objects.update(parent=None, successor=None)
    Unit.objects.all().delete()


def test_the_bulk_first_load_writes_what_the_unit_by_unit_load_writes():
    # An empty database gets every unit in a few bulk queries (_create_all: the first migrate,
    # every flush of the test database); it must equal the general path, unit by unit.
    _remove_reference_units()
    first = load_reference_units()
    bulk = _reference_rows()
    _remove_reference_units()
    one_by_one = _apply(reference_units(), {})
    assert _reference_rows() == bulk
    assert (first.created, first.updated, first.unchanged) == (
        one_by_one.created,
        one_by_one.updated,
        one_by_one.unchanged,
    )
    assert len(first.created) == len(reference_units()) and len(bulk[1]) > len(bulk[0])


def test_local_edits_survive_reloading():
    # The office records 两江新区's code once it is published; migrate must not undo it.
    liangjiang = Unit.objects.get(key="cq-liangjiang")
    liangjiang.admin_code = "500199"
    liangjiang.save()
    UnitAlias.objects.create(unit=liangjiang, alias="两江新区政府")
    assert not load_reference_units().changed
    liangjiang.refresh_from_db()
    assert liangjiang.admin_code == "500199"


def test_a_changed_shipped_entry_is_applied_and_local_aliases_are_kept():
    unit = Unit.objects.get(key="cq-wanzhou")
    # As if the shipped data had changed since it was last applied.
    Unit.objects.filter(pk=unit.pk).update(short_name="万州", reference_hash="older-release")
    UnitAlias.objects.create(unit=unit, alias="万州区政府")
    result = load_reference_units()
    assert result.updated == ["cq-wanzhou"]
    unit.refresh_from_db()
    assert unit.short_name == "万州区"
    assert UnitAlias.objects.filter(unit=unit, alias="万州区政府", is_derived=False).exists()


def test_a_unit_cannot_be_its_own_ancestor():
    gov = Unit.objects.get(key="cq-gov")
    wanzhou = Unit.objects.get(key="cq-wanzhou")
    gov.parent = wanzhou
    with pytest.raises(ValidationError) as excinfo:
        gov.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_admin_codes_are_unique():
    codes = [c for c in Unit.objects.values_list("admin_code", flat=True) if c]
    assert len(codes) == len(set(codes))
