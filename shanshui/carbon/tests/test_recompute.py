"""The inventories' recompute after a factor change: queued when the change commits (never on
a rollback, never for a set not in use), run by the worker (the immediate backend here), its
status on the factors page for the office and every carbon reader, a run that never got
queued shown as failed rather than waiting for ever."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shanshui.carbon import recompute, services
from shanshui.carbon.models import (
    EmissionFactor,
    FactorSet,
    GridFactorSet,
    InventoryCell,
    RecomputeRun,
)
from shanshui.carbon.tests.helpers import WANZHOU_2023, csv_bytes, named

pytestmark = pytest.mark.django_db


@pytest.fixture
def wanzhou(personas):
    result = services.activity_import(
        actor=personas.office, fileobj=named(csv_bytes(WANZHOU_2023), "a.csv")
    )
    assert result.ok, result.errors
    return personas


def coal(in_use: bool = True) -> EmissionFactor:
    return EmissionFactor.objects.get(factor_set__in_use=in_use, energy_type__name="原煤")


def steel(personas) -> float:
    return InventoryCell.objects.get(district=personas.unit_a, sector="industry").direct_co2_t


def test_a_rolled_back_edit_queues_nothing(wanzhou, django_capture_on_commit_callbacks):
    before = steel(wanzhou)
    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.factor_update(
            actor=wanzhou.office, factor=coal(), values={"ncv_gj": "10"}, reason="x"
        )
        raise RuntimeError("the edit's transaction fails after the service")
    assert queued == [] and not RecomputeRun.objects.exists()
    assert steel(wanzhou) == before


def test_a_set_not_in_use_needs_no_recompute(wanzhou, django_capture_on_commit_callbacks):
    other = EmissionFactor.objects.filter(factor_set__in_use=False).first()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        n = services.factor_update(
            actor=wanzhou.office, factor=other, values={"tce_per_unit": "0.5"}, reason="x"
        )
    assert n == 1 and queued == [] and not RecomputeRun.objects.exists()


def test_a_grid_factor_in_use_recomputes(wanzhou, django_capture_on_commit_callbacks):
    grid = GridFactorSet.objects.get(in_use=True)
    before = InventoryCell.objects.filter(district=wanzhou.unit_a).values_list(
        "indirect_co2_t", flat=True
    )
    assert sum(before) > 0
    with django_capture_on_commit_callbacks(execute=True):
        services.grid_factor_save(
            actor=wanzhou.office,
            grid_set=grid,
            year=2023,
            tco2_per_mwh=Decimal("0.2653"),  # half the national 2023 factor
            source="测试",
            reason="x",
        )
    run = RecomputeRun.objects.get()
    assert run.status == "done" and run.reason.endswith("· 2023")
    after = InventoryCell.objects.filter(district=wanzhou.unit_a).values_list(
        "indirect_co2_t", flat=True
    )
    assert sum(after) == pytest.approx(sum(before) / 2)


def test_the_factors_page_shows_the_recompute(client, wanzhou, django_capture_on_commit_callbacks):
    client.force_login(wanzhou.office)
    page = client.get(reverse("carbon:factors")).content.decode()
    assert "recompute-status" in page and "hx-get" not in page  # nothing to wait for
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("carbon:factor_edit", args=[coal().pk]),
            {
                "ncv_gj": "20.5",
                "carbon_tc_per_tj": "26.37",
                "oxidation": "0.94",
                "tce_per_unit": "0.7143",
                "reason": "实测",
            },
            follow=True,
        )
    assert "后台重新核算" in response.content.decode()
    # Queued, not yet run: the page says so and polls the status.
    waiting = client.get(reverse("carbon:recompute_status"))
    body = waiting.content.decode()
    assert waiting.status_code == 200 and 'data-status="pending"' in body and "hx-get" in body
    assert "等待" in body
    for callback in queued:
        callback()
    done = client.get(reverse("carbon:recompute_status")).content.decode()
    assert 'data-status="done"' in done and "hx-get" not in done and "完成" in done
    # Every carbon reader sees it; who reads no carbon data does not.
    client.force_login(wanzhou.district_a)
    assert client.get(reverse("carbon:recompute_status")).status_code == 200
    client.force_login(wanzhou.citizen)
    assert client.get(reverse("carbon:recompute_status")).status_code == 403


def test_a_run_never_queued_shows_failed(client, wanzhou):
    run = RecomputeRun.objects.create(reason="省级指南 · 原煤")
    assert recompute.latest_run().status == "pending"  # just asked: still waiting
    RecomputeRun.objects.filter(pk=run.pk).update(
        requested_at=timezone.now() - dt.timedelta(minutes=11)
    )
    client.force_login(wanzhou.office)
    body = client.get(reverse("carbon:recompute_status")).content.decode()
    assert 'data-status="failed"' in body and "从未排入队列" in body
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at


def test_a_run_is_claimed_once(wanzhou, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.factor_set_use(
            actor=wanzhou.office, factor_set=FactorSet.objects.get(key="ipcc-2006")
        )
    run = RecomputeRun.objects.get()
    assert run.status == "done"
    # A second delivery of the same task finds it done and does nothing.
    assert recompute.recompute_task.call(run_id=run.pk) == "not waiting"


def test_the_office_starts_a_failed_recompute_again(
    client, wanzhou, django_capture_on_commit_callbacks
):
    RecomputeRun.objects.create(
        reason="x",
        status="failed",
        message="后台重新核算失败，请联系管理员。",
        finished_at=timezone.now(),
    )
    InventoryCell.objects.all().delete()  # what the failed run left undone
    client.force_login(wanzhou.district_a)
    page = client.get(reverse("carbon:factors")).content.decode()
    assert "recompute-again" not in page and "请联系管理员" not in page
    assert client.post(reverse("carbon:recompute_again")).status_code == 403
    client.force_login(wanzhou.office)
    assert "recompute-again" in client.get(reverse("carbon:factors")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("carbon:recompute_again")).status_code == 302
    assert recompute.latest_run().status == "done"
    assert steel(wanzhou) > 0


def test_edits_while_a_run_waits_join_it(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    from shanshui.carbon import recompute

    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        first = recompute.recompute_request(actor=None, reason="省级指南 · 原煤")
        second = recompute.recompute_request(actor=None, reason="省级指南 · 柴油")
    assert second.pk == first.pk
    assert RecomputeRun.objects.count() == 1
