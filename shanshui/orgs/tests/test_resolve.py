"""Alias resolution: the forms officials write all lead to one unit."""

import datetime as dt

import pytest

from shanshui.orgs.models import Unit, UnitAlias, UnitKind
from shanshui.orgs.selectors import UnitAmbiguous, UnitNotFound, UnitResolver, resolve_unit
from shanshui.orgs.services import unit_reindex_names

pytestmark = pytest.mark.django_db

VARIANTS = [
    ("万州", "cq-wanzhou"),
    ("万州区", "cq-wanzhou"),
    ("重庆市万州区", "cq-wanzhou"),
    ("重庆万州区", "cq-wanzhou"),
    ("萬州區", "cq-wanzhou"),
    (" 万州区 ", "cq-wanzhou"),
    ("渝中", "cq-yuzhong"),
    ("重庆市渝中区", "cq-yuzhong"),
    ("两江新区", "cq-liangjiang"),
    ("两江", "cq-liangjiang"),
    ("江北区", "cq-jiangbei"),
    ("渝北", "cq-yubei"),
    ("石柱县", "cq-shizhu"),
    ("石柱", "cq-shizhu"),
    ("石柱土家族自治县", "cq-shizhu"),
    ("重庆市石柱土家族自治县", "cq-shizhu"),
    ("彭水苗族土家族自治县", "cq-pengshui"),
    ("忠县", "cq-zhongxian"),
    ("开县", "cq-kaizhou"),
    ("高新区", "cq-hitech-zone"),
    ("重庆高新区", "cq-hitech-zone"),
    ("西部科学城重庆高新区", "cq-hitech-zone"),
    ("万盛经开区", "cq-wansheng-zone"),
    ("万盛", "cq-wansheng-zone"),
    ("生态环境局", "cq-ecology-environment"),
    ("市生态环境局", "cq-ecology-environment"),
    ("重庆市生态环境局", "cq-ecology-environment"),
    ("市环保局", "cq-ecology-environment"),
    ("市生态环境局（牵头）", "cq-ecology-environment"),
    ("市发展改革委", "cq-ndrc"),
    ("市发改委", "cq-ndrc"),
    ("重庆市发展和改革委员会", "cq-ndrc"),
    ("发展和改革委员会", "cq-ndrc"),
    ("市经信委", "cq-economy-it"),
    ("市经济信息委", "cq-economy-it"),
    ("市住建委", "cq-housing"),
    ("市住房城乡建委", "cq-housing"),
    ("市交通局", "cq-transport"),
    ("市交通运输委", "cq-transport"),
    ("规划自然资源局", "cq-planning-resources"),
    ("市规划自然资源局", "cq-planning-resources"),
    ("市城管局", "cq-urban-management"),
    ("城市管理局", "cq-urban-management"),
    ("市农业农村委", "cq-agriculture"),
    ("市农委", "cq-agriculture"),
    ("市林业局", "cq-forestry"),
    ("林业局", "cq-forestry"),
    ("市水利局", "cq-water"),
    ("市场监管局", "cq-market-regulation"),
    ("市市场监管局", "cq-market-regulation"),
    ("市卫健委", "cq-health"),
    ("市督察整改办", "cq-inspection-office"),
    ("督察整改办", "cq-inspection-office"),
    ("市委", "cq-party"),
    ("中共重庆市委", "cq-party"),
    ("市政府", "cq-gov"),
    ("重庆市人民政府", "cq-gov"),
    ("市纪委监委", "cq-discipline"),
]


@pytest.mark.parametrize(("text", "key"), VARIANTS)
def test_it_resolves_real_variants(text, key):
    assert resolve_unit(text).key == key


def test_at_least_thirty_variants_are_covered():
    assert len(VARIANTS) >= 30


def test_the_bulk_resolver_agrees_with_the_single_lookup():
    resolver = UnitResolver()
    for text, key in VARIANTS:
        assert resolver.resolve(text).key == key


def test_it_resolves_a_cell_with_several_units():
    units = UnitResolver().resolve_many("市生态环境局、市水利局；万州区\n万州")
    assert [u.key for u in units] == ["cq-ecology-environment", "cq-water", "cq-wanzhou"]


def test_an_unknown_name_says_so_in_chinese():
    with pytest.raises(UnitNotFound) as excinfo:
        resolve_unit("火星区")
    assert "火星区" in excinfo.value.message
    assert "没有名为" in excinfo.value.message


def test_a_shared_name_is_ambiguous_unless_the_date_decides():
    # A town named like a district's old name: two units answer to "龙门".
    wanzhou = Unit.objects.get(key="cq-wanzhou")
    yuzhong = Unit.objects.get(key="cq-yuzhong")
    old = Unit.objects.create(
        name="龙门街道", kind=UnitKind.TOWN, parent=wanzhou, valid_to=dt.date(2020, 1, 1)
    )
    new = Unit.objects.create(
        name="龙门街道", kind=UnitKind.TOWN, parent=yuzhong, valid_from=dt.date(2020, 1, 1)
    )
    unit_reindex_names(old)
    unit_reindex_names(new)
    with pytest.raises(UnitAmbiguous) as excinfo:
        resolve_unit("龙门街道")
    assert set(excinfo.value.candidates) == {old, new}
    assert "可能指多个单位" in excinfo.value.message
    assert "万州区·龙门街道" in excinfo.value.message  # candidates are told apart by their parents
    assert resolve_unit("龙门街道", on=dt.date(2026, 1, 1)) == new
    assert resolve_unit("龙门街道", on=dt.date(2019, 1, 1)) == old


def test_aliases_added_in_admin_are_indexed():
    unit = Unit.objects.get(key="cq-water")
    UnitAlias.objects.create(unit=unit, alias="重庆市水务局")
    unit_reindex_names(unit)
    assert resolve_unit("水务局") == unit
    assert resolve_unit("市水务局") == unit
