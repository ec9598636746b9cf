"""The API's units of a task: by id or by name as plans write them, classes of districts that
make shares, leaders, and the 422s that say which name could not be placed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shanshui.ledger.models import Task
from shanshui.orgs.models import Unit
from shanshui.orgs.names import TERRITORIAL
from shanshui.orgs.selectors import collective_choices
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(personas):
    return ClientApi({"office": api_token_create(user=personas.office, name="t")[1]})


@pytest.fixture
def campaign_id(api):
    status, body = api.post(
        "office", "/campaigns", code="c-1", name="2026年市级督察", kind="city", notice_days=10
    )
    assert status == 201, body
    return body["id"]


def create(api, campaign_id, units, code="SJ-01"):
    deadline = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    return api.post(
        "office", "/tasks", campaign_id=campaign_id, code=code, title="苎溪河污水直排",
        problem="排口污水直排。", categories=["water"], deadline=deadline, units=units,
    )  # fmt: skip


def test_units_by_name_and_by_id_keep_their_leaders(api, personas, campaign_id):
    status, task = create(
        api,
        campaign_id,
        [
            {
                "unit": "市生态环境局",
                "role": "lead",
                "leader_name": "张伟",
                "leader_post": "副局长",
            },
            {"unit": "万州", "role": "implementing", "leader_name": "周强"},
            {"unit_id": personas.unit_office.pk, "role": "accepting"},
        ],
    )
    assert status == 201, task
    got = {(u["unit_id"], u["role"], u["leader_name"], u["leader_post"]) for u in task["units"]}
    assert got == {
        (personas.unit_department.pk, "lead", "张伟", "副局长"),
        (personas.unit_a.pk, "implementing", "周强", ""),
        (personas.unit_office.pk, "accepting", "", ""),
    }
    assert task["shares"] == []


def test_a_class_of_districts_makes_one_share_each(api, personas, campaign_id):
    districts = list(collective_choices(TERRITORIAL))
    status, task = create(
        api,
        campaign_id,
        [
            {"unit": "市生态环境局", "role": "lead"},
            # 万州 named as well: it gets its share, not a second place on the city task.
            {"unit": "万州区、各区县（自治县）政府", "role": "implementing"},
            {"unit_id": personas.unit_office.pk, "role": "accepting"},
        ],
    )
    assert status == 201, task
    assert len(task["shares"]) == len(districts) > 30
    shares = Task.objects.filter(pk__in=task["shares"])
    assert {s.task_units.get(role="implementing").unit for s in shares} == set(districts)
    assert {(u["unit_id"], u["role"]) for u in task["units"]} == {
        (personas.unit_department.pk, "lead"),
        (personas.unit_office.pk, "accepting"),
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"unit": "各区县政府", "role": "lead", "leader_name": "张伟"}, "一位领导只属于一个单位"),
        ({"unit": "火星区", "role": "implementing"}, "火星区"),
        ({"unit": "有关区县", "role": "implementing"}, "有关区县"),
        ({"role": "implementing"}, "请为每个单位给出编号（unit_id）或名称（unit）"),
        ({"unit": "、", "role": "implementing"}, "请为每个单位给出编号（unit_id）或名称（unit）"),
    ],
)
def test_a_unit_that_cannot_be_placed_is_refused_with_the_reason(
    api, personas, campaign_id, item, message
):
    status, body = create(
        api, campaign_id, [{"unit_id": personas.unit_office.pk, "role": "accepting"}, item]
    )
    assert status == 422, body
    assert message in body["message"], body
    assert not Task.objects.exists()


def test_an_unknown_unit_id_is_404(api, campaign_id):
    missing = Unit.objects.order_by("-pk").first().pk + 1
    status, body = create(api, campaign_id, [{"unit_id": missing, "role": "lead"}])
    assert status == 404, body
    assert not Task.objects.exists()


def test_setting_units_by_name_and_refusing_a_class_there(api, personas, campaign_id):
    status, task = create(api, campaign_id, [{"unit": "万州", "role": "implementing"}])
    assert status == 201, task
    path = f"/tasks/{task['id']}/units"
    status, body = api.post(
        "office", path, version=1, units=[{"unit": "各区县政府", "role": "implementing"}]
    )
    assert status == 422 and "分解" in body["message"], body
    status, body = api.post(
        "office",
        path,
        version=1,
        units=[
            {
                "unit": "渝中",
                "role": "implementing",
                "leader_name": "李四",
                "leader_post": "副区长",
            },
            {"unit": "市生态环境局", "role": "supporting"},
        ],
    )
    assert status == 200, body
    got = {
        (tu.unit_id, tu.role, tu.leader_name, tu.leader_post)
        for tu in Task.objects.get(pk=task["id"]).task_units.all()
    }
    assert got == {
        (personas.unit_b.pk, "implementing", "李四", "副区长"),
        (personas.unit_department.pk, "supporting", "", ""),
    }
