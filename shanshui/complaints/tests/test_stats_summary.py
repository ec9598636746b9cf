"""The public statistics' summary (ComplaintStat): kept exact by the services through every
action, equal to a recount of the cases after any mix of actions, rebuilt by the command, and
what the statistics page reads."""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
from collections import Counter

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from shanshui.complaints import services, stats
from shanshui.complaints.models import (
    Category,
    Complaint,
    ComplaintStat,
    RejectReason,
    Satisfaction,
    StatFacet,
)
from shanshui.complaints.tests.moderation import moderator
from shanshui.complaints.tests.test_public import submit
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib.workflow import WorkflowError
from shanshui.testing.clock import ORDINARY_DAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

SHANGHAI = stats.SHANGHAI
# Receipt moments across months and years, one on a month's edge (17:00 UTC on 31 December is
# already 1 January in Chongqing).
RECEIVED = [
    dt.datetime(2024, 6, 15, 4, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC),
    ORDINARY_DAY,
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _agree(*filters: stats.Filters) -> None:
    """The summary equals a recount of the cases, bucket by bucket and on the page's numbers."""
    assert stats.summary_buckets() == stats.recounted_buckets()
    for f in filters or (stats.Filters(),):
        assert stats.compute(f) == stats.recount(f), f


def _new_case(personas, batch, rng: random.Random, i: int) -> Complaint:
    """A case by any way in: web or Open311 report (waiting for review), a call or a letter
    the office registers, a transferred case imported with a batch; received at any moment."""
    cats = rng.sample(Category.values, rng.choice([1, 1, 2, 3]))
    district = rng.choice([personas.unit_a, personas.unit_b, None])
    with time_machine.travel(rng.choice(RECEIVED), tick=False):
        kind = rng.choice(["web", "open311", "hotline", "letter", "transfer"])
        if kind == "transfer":
            return services.batch_add_case(
                actor=personas.office,
                batch=batch,
                case=services.TransferredCase(
                    receipt_no=f"R{i}",
                    seq=i,
                    description=f"交办件{i}：河道排污。",
                    categories=cats,
                    units=[district or personas.unit_b],
                    district=district,
                ),
            )
        return submit(
            description=f"举报{i}：夜间噪声扰民。",
            channel=kind,
            actor=personas.office if kind in ("hotline", "letter") else None,
            categories=cats,
            district=district,
            address="某地" if district is None else "某路 1 号",
            approved=False,
        )


def _act(personas, c: Complaint, action: str, rng: random.Random) -> bool:
    """Try one action on the case as whoever may take it; False when refused (nothing changed)."""
    office, a, b = personas.office, personas.district_a, personas.district_b
    calls = {
        "approve": lambda u: services.moderate_approve(
            actor=u, complaint=c, text=rng.choice([None, "经审核后公开的文字。"])
        ),
        "hide": lambda u: services.moderate_text(
            actor=u, complaint=c, hidden=True, reason="含有个人信息。"
        ),
        "reject": lambda u: services.complaint_reject(
            actor=u,
            complaint=c,
            expected_version=None,
            reason=rng.choice([RejectReason.DUPLICATE, RejectReason.ABUSIVE]),
        ),
        "transfer": lambda u: services.complaint_transfer(
            actor=u,
            complaint=c,
            expected_version=None,
            units=[rng.choice([personas.unit_a, personas.unit_b])],
        ),
        "start": lambda u: services.complaint_start(actor=u, complaint=c, expected_version=None),
        "transfer_down": lambda u: services.complaint_transfer_down(
            actor=u, complaint=c, expected_version=None, town=personas.unit_town_a
        ),
        "send_back": lambda u: services.complaint_send_back(
            actor=u, complaint=c, expected_version=None, reason="不属于本单位职责。"
        ),
        "handle": lambda u: services.complaint_handle(
            actor=u,
            complaint=c,
            expected_version=None,
            result=services.Handling(
                finding=(finding := rng.choice(["true", "partly", "false"])),
                investigation="经现场核查。",
                handling="" if finding == "false" else "责令整改。",
            ),
        ),
        "review_ok": lambda u: services.complaint_review(
            actor=u, complaint=c, expected_version=None, approve=True
        ),
        "review_back": lambda u: services.complaint_review(
            actor=u, complaint=c, expected_version=None, approve=False, comment="再查。"
        ),
        "close": lambda u: services.complaint_close(
            actor=u, complaint=c, expected_version=None, reply="已处理。"
        ),
        "stage_close": lambda u: services.complaint_close(
            actor=u,
            complaint=c,
            expected_version=None,
            stage=True,
            follow_up_due=ORDINARY_DAY.date() + dt.timedelta(days=30),
            reply="阶段性办结。",
        ),
        "follow_up": lambda u: services.complaint_complete_follow_up(
            actor=u, complaint=c, expected_version=None, comment="回访完成。"
        ),
        "publish": lambda u: services.complaint_publish(
            actor=u, complaint=c, expected_version=None
        ),
        "rate": lambda u: services.complaint_rate(
            complaint=c, tracking_code=c.tracking_code, satisfaction=Satisfaction.SATISFIED
        ),
        "add_info": lambda u: services.complaint_add_info(
            complaint=c, tracking_code=c.tracking_code, text="补充：昨晚又排了。"
        ),
    }
    for actor in (moderator() if action in ("approve", "hide") else office, a, b):
        try:
            calls[action](actor)
            return True
        except PermissionDenied:
            continue
        except (WorkflowError, ValidationError):
            return False
    return False


ACTIONS = [
    "approve",
    "approve",
    "hide",
    "reject",
    "transfer",
    "transfer",
    "start",
    "start",
    "transfer_down",
    "send_back",
    "handle",
    "handle",
    "review_ok",
    "review_back",
    "close",
    "close",
    "stage_close",
    "follow_up",
    "publish",
    "publish",
    "publish",
    "rate",
    "add_info",
]


NEXT = {
    "received": ["transfer", "approve", "reject", "hide"],
    "transferred": ["start", "transfer_down", "send_back"],
    "investigating": ["handle"],
    "handled": ["review_ok", "review_back", "close", "stage_close"],
    "stage_closed": ["follow_up", "publish"],
    "closed": ["publish"],
    "published": ["rate", "add_info", "approve"],
    "rejected": ["approve", "hide"],
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summary_equals_a_recount_after_any_mix_of_actions(personas, seed):
    rng = random.Random(seed)
    batch = services.batch_create(
        actor=personas.office,
        campaign=make_campaign(personas.office),
        number=1,
        date=dt.date(2026, 3, 2),
    )
    cases = [_new_case(personas, batch, rng, i) for i in range(10)]
    done = []
    for step in range(240):
        if step % 40 == 39:
            cases.append(_new_case(personas, batch, rng, 100 + step))
        c = rng.choice(cases)
        c.refresh_from_db(fields=["status"])
        # Mostly the next step of the case, sometimes any action (most of which are refused).
        action = rng.choice(NEXT[c.status] if rng.random() < 0.8 else ACTIONS)
        if _act(personas, c, action, rng):
            done.append(action)
        if step % 60 == 0:
            _agree()
    # The mix did reach the states that matter (and left some cases open).
    assert {"approve", "publish", "reject", "handle", "transfer"} <= set(done)
    assert {"close", "stage_close"} & set(done) and {"send_back", "hide"} & set(done)
    s = stats.compute(stats.Filters())
    assert s.published and s.by_finding and len(s.by_month) > 12
    assert ComplaintStat.objects.filter(n=0).exists()  # buckets cases have left
    _agree(
        stats.Filters(),
        stats.Filters(year=2026),
        stats.Filters(year=2024),
        stats.Filters(district_id=personas.unit_a.pk),
        stats.Filters(year=2026, district_id=personas.unit_b.pk),
    )


def test_a_report_counts_once_approved_and_never_while_waiting(personas):
    waiting = submit(categories=["water", "air"], district=personas.unit_a, approved=False)
    assert stats.compute(stats.Filters()).total == 0
    assert not ComplaintStat.objects.exclude(n=0).exists()
    services.moderate_approve(actor=moderator(), complaint=waiting)
    s = stats.compute(stats.Filters())
    assert (s.total, s.open) == (1, 1)
    assert dict(s.by_category) == {"water": 1, "air": 1}
    assert s.by_district == [(personas.unit_a.pk, personas.unit_a.short_name, 1)]
    # Rejected as abusive: out of every public number again.
    services.complaint_reject(
        actor=personas.office,
        complaint=waiting,
        expected_version=None,
        reason=RejectReason.ABUSIVE,
    )
    assert stats.compute(stats.Filters()).total == 0
    _agree()


def test_a_transferred_case_counts_only_once_published_with_its_finding(personas):
    batch = services.batch_create(
        actor=personas.office,
        campaign=make_campaign(personas.office),
        number=1,
        date=dt.date(2026, 3, 2),
    )
    from shanshui.complaints.tests.test_public import transferred

    c = transferred(personas, batch, receipt_no="1", unit=personas.unit_a, state="closed")
    assert stats.compute(stats.Filters()).total == 0
    services.complaint_publish(actor=personas.district_a, complaint=c, expected_version=None)
    s = stats.compute(stats.Filters())
    assert (s.total, s.closed, s.published) == (1, 1, 1)
    assert s.by_finding == [("true", 1)] and s.by_channel == [("transfer", 1)]
    assert s.by_month == [("2026-03", 1)]
    _agree()


def test_a_failed_action_leaves_the_summary_as_it_was(personas):
    c = submit(categories=["noise"], district=personas.unit_a)
    before = stats.summary_buckets()
    with pytest.raises(ValidationError):
        services.complaint_transfer(
            actor=personas.office, complaint=c, expected_version=None, units=[]
        )
    with pytest.raises(WorkflowError):  # a stale page
        services.complaint_reject(
            actor=personas.office, complaint=c, expected_version=99, reason=RejectReason.DUPLICATE
        )
    assert stats.summary_buckets() == before
    _agree()


def test_a_case_changed_without_the_lock_is_refused_loudly(personas):
    c = Complaint.objects.get(pk=submit(district=personas.unit_a).pk)  # not locked, not new
    with pytest.raises(RuntimeError):
        stats.follow(c)


def test_a_bucket_is_created_once_then_incremented(personas):
    bucket = (dt.date(2026, 3, 1), personas.unit_a.pk, StatFacet.STATUS.value, "received")
    stats.apply(Counter({bucket: 1}))  # creates the bucket
    stats.apply(Counter({bucket: 1}))  # finds it
    stats.apply(Counter({bucket: -1}))
    assert ComplaintStat.objects.get(key=stats.bucket_key(bucket)).n == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_counts():
    """Four transactions at once add to the same bucket, missing at first: every one counts."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is PostgreSQL's")
    bucket = (dt.date(2026, 3, 1), None, StatFacet.CHANNEL.value, "web")
    start = threading.Barrier(4)
    errors = []

    def writer():
        try:
            start.wait()
            for _ in range(25):
                with transaction.atomic():
                    stats.apply(Counter({bucket: 1}))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ComplaintStat.objects.get(key=stats.bucket_key(bucket)).n == 100


def test_the_page_reads_the_summary_not_the_cases(client, personas, django_assert_max_num_queries):
    for cats in (["water"], ["air", "noise"]):
        submit(categories=cats, district=personas.unit_a)
    # Cases written behind the services' back are not seen until the summary is rebuilt.
    Complaint.objects.update(district=personas.unit_b)
    assert stats.compute(stats.Filters()).by_district[0][0] == personas.unit_a.pk
    call_command("rebuild_complaint_stats", stdout=io.StringIO())
    assert stats.compute(stats.Filters()).by_district[0][0] == personas.unit_b.pk
    with django_assert_max_num_queries(3):
        stats.compute(stats.Filters())
    response = client.get(reverse("complaints_public:stats"))
    assert response.status_code == 200
    assert 'id="stat-total">2<' in response.content.decode()


def test_the_rebuild_command_is_idempotent_and_checks(personas):
    for cats in (["water"], ["air", "soil"], ["other"]):
        submit(categories=cats, district=personas.unit_a)
    expected = stats.summary_buckets()
    out = io.StringIO()
    call_command("rebuild_complaint_stats", stdout=out)
    call_command("rebuild_complaint_stats", stdout=out)
    assert stats.summary_buckets() == expected
    call_command("rebuild_complaint_stats", "--check", stdout=out)
    # A repair behind the services' back: --check finds it, the rebuild mends it.
    ComplaintStat.objects.filter(facet=StatFacet.CATEGORY, value="water").update(n=7)
    with pytest.raises(CommandError):
        call_command("rebuild_complaint_stats", "--check", stdout=out, stderr=io.StringIO())
    assert stats.summary_buckets() != expected
    call_command("rebuild_complaint_stats", stdout=out)
    assert stats.summary_buckets() == expected
    _agree()


def test_the_migration_fills_the_summary_of_an_existing_database(personas):
    for cats in (["water"], ["air"]):
        submit(categories=cats, district=personas.unit_b)
    expected = stats.summary_buckets()
    ComplaintStat.objects.all().delete()
    from importlib import import_module

    from django.apps import apps

    migration = import_module("shanshui.complaints.migrations.0014_public_stats_summary")
    migration.fill(apps, None)
    assert stats.summary_buckets() == expected
