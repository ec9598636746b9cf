"""The targets page: the office sets a year's targets for every district in one grid, through
``services.target_set``; a bad cell saves nothing; nobody else may see or post the grid."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from shanshui.monitoring.models import Indicator, Target
from shanshui.monitoring.tests.indicator_helpers import target, unit
from shanshui.orgs.models import AuditEntry

YEAR = 2026
URL = "/monitoring/targets/"


@pytest.fixture(autouse=True)
def _today():
    """The page's default year is today's: a fixed day in 2026 (the clock stands still)."""
    with time_machine.travel("2026-05-01 10:00 +0800", tick=False):
        yield


def cell(district, indicator) -> str:
    return f"t_{district.pk}_{indicator}"


def grid_post(client, cells: dict, year=YEAR):
    """POST the grid as the page would: every cell with its current value, some changed."""
    page = client.get(f"{URL}?year={year}")
    data = {"year": str(year)}
    for name, field in page.context["grid"].fields.items():
        data[name] = field.initial or ""
    data |= cells
    return client.post(URL, data)


def targets():
    return {
        (t.district.key, t.indicator): t.value
        for t in Target.objects.filter(year=YEAR).select_related("district")
    }


def test_the_office_sets_targets_for_several_districts_at_once(client_as, personas):
    wanzhou, yuzhong = personas.unit_a, personas.unit_b
    client = client_as(personas.office)
    page = client.get(f"{URL}?year={YEAR}")
    assert page.status_code == 200
    names = [d.display_name for d, _ in page.context["grid"].grid()]
    assert "万州区" in names and "两江新区" in names and "忠县" in names
    assert "江北区" not in names  # merged away before 2026
    assert "市生态环境局" not in names

    response = grid_post(
        client,
        {
            cell(wanzhou, Indicator.GOOD_DAY_RATIO): "90",
            cell(wanzhou, Indicator.PM25_MEAN): "35.5",
            cell(yuzhong, Indicator.WATER_GOOD_RATIO): " 100 ",
            cell(yuzhong, Indicator.WATER_INFERIOR_V): "0",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?year={YEAR}"
    assert targets() == {
        ("cq-wanzhou", "good_day_ratio"): Decimal("90.00"),
        ("cq-wanzhou", "pm25_mean"): Decimal("35.50"),
        ("cq-yuzhong", "water_good_ratio"): Decimal("100.00"),
        ("cq-yuzhong", "water_inferior_v"): Decimal("0.00"),
    }
    # The grid shows them back, plainly.
    again = client.get(f"{URL}?year={YEAR}").content.decode()
    assert f'name="{cell(wanzhou, Indicator.PM25_MEAN)}"' in again and 'value="35.5"' in again


def test_unchanged_cells_write_nothing_and_an_empty_cell_removes_a_target(client_as, personas):
    wanzhou = personas.unit_a
    target(wanzhou, YEAR, Indicator.GOOD_DAY_RATIO, 90)
    target(wanzhou, YEAR, Indicator.PM25_MEAN, 35)
    client = client_as(personas.office)
    before = AuditEntry.objects.count()
    assert grid_post(client, {cell(wanzhou, Indicator.GOOD_DAY_RATIO): "90.0"}).status_code == 302
    assert AuditEntry.objects.count() == before  # 90.0 is the 90 already there
    assert grid_post(client, {cell(wanzhou, Indicator.PM25_MEAN): ""}).status_code == 302
    assert targets() == {("cq-wanzhou", "good_day_ratio"): Decimal("90.00")}
    assert AuditEntry.objects.count() == before + 1


@pytest.mark.parametrize(
    "indicator, text",
    [
        (Indicator.GOOD_DAY_RATIO, "101"),
        (Indicator.WATER_GOOD_RATIO, "120"),
        (Indicator.PM25_MEAN, "-3"),
        (Indicator.PM25_MEAN, "abc"),
        (Indicator.HEAVY_DAYS, "1.234"),
        (Indicator.PM25_MEAN, "1e400"),
    ],
)
def test_a_bad_cell_saves_nothing_and_is_marked(client_as, personas, indicator, text):
    wanzhou, yuzhong = personas.unit_a, personas.unit_b
    client = client_as(personas.office)
    response = grid_post(
        client,
        {cell(yuzhong, Indicator.GOOD_DAY_RATIO): "92", cell(wanzhou, indicator): text},
    )
    assert response.status_code == 400
    grid = response.context["grid"]
    assert list(grid.errors) == [cell(wanzhou, indicator)]
    assert grid.errors[cell(wanzhou, indicator)][0]  # the service's message
    assert not Target.objects.exists()  # not even the good cell
    html = response.content.decode()
    assert 'id="grid-errors"' in html and "is-invalid" in html
    assert f'value="{text}"' in html  # the typed value is kept for correcting


def test_the_grid_speaks_chinese_by_default(client_as, personas):
    client = client_as(personas.office)
    response = grid_post(client, {cell(personas.unit_a, Indicator.GOOD_DAY_RATIO): "101"})
    message = response.context["grid"].errors[cell(personas.unit_a, Indicator.GOOD_DAY_RATIO)][0]
    with translation.override("zh-hans"):
        assert message == translation.gettext("A share is at most 100 (per cent).")


def test_another_year_has_its_own_grid(client_as, personas):
    target(personas.unit_a, 2025, Indicator.PM25_MEAN, 40)
    client = client_as(personas.office)
    page = client.get(f"{URL}?year=2025")
    assert page.context["grid"].fields[cell(personas.unit_a, Indicator.PM25_MEAN)].initial == "40"
    assert grid_post(client, {cell(personas.unit_a, Indicator.PM25_MEAN): "38"}, year=2025)
    assert Target.objects.get(year=2025).value == Decimal("38.00")
    assert not Target.objects.filter(year=YEAR).exists()
    # In 2025 江北区 still existed (merged away on 2025-11-06): it has a row.
    names = [d.display_name for d, _ in page.context["grid"].grid()]
    assert "江北区" in names


def test_only_the_office_sees_or_posts_the_grid(client_as, personas):
    for who in (
        personas.district_a,
        personas.district_b,
        personas.department,
        personas.leader,
        personas.citizen,
    ):
        client = client_as(who)
        assert client.get(URL).status_code == 403
        posted = client.post(URL, {"year": YEAR, cell(personas.unit_a, Indicator.PM25_MEAN): "1"})
        assert posted.status_code == 403
    assert not Target.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, personas):
    response = client.post(URL, {"year": YEAR})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Target.objects.exists()


@pytest.mark.parametrize("year", ["abc", "", "1900"])
def test_a_post_with_a_bad_year_is_not_found(client_as, personas, year):
    response = client_as(personas.office).post(URL, {"year": year})
    assert response.status_code == 404


def test_a_bad_year_in_the_address_shows_the_current_year(client_as, personas):
    response = client_as(personas.office).get(f"{URL}?year=abc")
    assert response.status_code == 200 and response.context["year"] == 2026


def test_the_overview_links_to_the_targets_for_the_office_only(client_as, personas):
    assert 'id="targets-link"' in client_as(personas.office).get("/monitoring/").content.decode()
    assert 'id="targets-link"' not in (
        client_as(personas.district_a).get("/monitoring/").content.decode()
    )


def test_targets_show_on_the_district_page(client_as, personas):
    target(personas.unit_a, YEAR, Indicator.PM25_MEAN, 35)
    html = (
        client_as(personas.district_b)
        .get(f"/monitoring/districts/{unit('cq-wanzhou').pk}/?year={YEAR}")
        .content.decode()
    )
    assert "≤ 35" in html
