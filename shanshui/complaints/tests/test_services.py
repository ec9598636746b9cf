"""The case workflow through the services: every action, its validation and its permission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanshui.complaints import public, rules, selectors, services
from shanshui.complaints.models import (
    CATEGORY_BITS,
    UNIT_COPIES,
    Category,
    Channel,
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintLink,
    EventKind,
    Finding,
    HandlingPolicy,
    Photo,
    Status,
    UnitRole,
    category_bits,
)
from shanshui.complaints.scenarios import drive_case, make_batch, make_report, make_transferred
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Status as TaskStatus
from shanshui.ledger.scenarios import drive, make_campaign, make_task, png_bytes
from shanshui.lib.workflow import Conflict, InvalidTransition
from shanshui.orgs.models import Membership, Role, Unit
from shanshui.testing.personas import make_user

# Deadlines are working days from today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def batch(personas, campaign):
    return make_batch(personas.office, campaign)


@pytest.fixture
def case(personas, batch):
    return make_transferred(personas.office, batch, personas.unit_a)


# --- intake ----------------------------------------------------------------------------------


def test_web_report_is_received_with_private_contact_and_codes(personas):
    c = make_report(
        district=personas.unit_a,
        categories=("water", "air", "water"),
        contact=services.Contact(name="李四", phone="13800001111", email="li@example.org"),
    )
    assert c.status == Status.RECEIVED
    assert c.channel == Channel.WEB
    assert c.code == f"{c.received_at:%Y}{c.pk:07d}"
    assert len(c.tracking_code) == 12 and c.tracking_code.isalnum()
    assert selectors.categories_of(c) == ["water", "air"]
    assert ComplaintContact.objects.get(complaint=c).phone == "13800001111"
    event = c.events.get()
    assert event.kind == EventKind.SUBMITTED and event.is_public and event.actor is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "污" * 4001}, "description"),
        ({"categories": ()}, "categories"),
        ({"categories": ("smell",)}, "categories"),
        ({"lat": 29.5, "lon": None}, "location"),
        ({"lat": 91.0, "lon": 106.5}, "location"),
        ({"lat": float("nan"), "lon": 106.5}, "location"),
        ({"address": "", "district": None}, "address"),
        ({"address": "路" * 301}, "address"),
        ({"enterprise": "厂" * 201}, "enterprise"),
    ],
)
def test_report_validation_names_the_field_and_saves_nothing(personas, changes, field):
    kwargs = {"district": None, "address": "万州区某路"} | changes
    with pytest.raises(ValidationError) as exc:
        make_report(**kwargs)
    assert field in exc.value.message_dict
    assert Complaint.objects.count() == 0


def test_bad_email_is_refused(personas):
    with pytest.raises(ValidationError) as exc:
        make_report(contact=services.Contact(email="not-an-address"))
    assert "email" in exc.value.message_dict


def test_district_is_taken_from_the_address(personas):
    c = make_report(district=None, address="重庆市渝中区解放碑民权路 12 号")
    assert c.district == personas.unit_b


def test_photos_are_checked_and_stored_with_a_clean_public_copy(personas):
    good = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    c = make_report(photos=[good])
    photo = Photo.objects.get(complaint=c)
    assert photo.content_type == "image/png"
    assert photo.file.name != photo.public_file.name
    with pytest.raises(ValidationError) as exc:
        make_report(photos=[SimpleUploadedFile("b.jpg", b"%PDF-1.4 not a photo")])
    assert "photos" in exc.value.message_dict
    too_many = [SimpleUploadedFile(f"{i}.png", png_bytes()) for i in range(7)]
    with pytest.raises(ValidationError):
        make_report(photos=too_many)
    assert Complaint.objects.count() == 1


def test_only_the_office_registers_calls(personas):
    with pytest.raises(PermissionDenied):
        make_report(channel=Channel.HOTLINE, actor=personas.district_a)
    c = make_report(channel=Channel.HOTLINE, actor=personas.office)
    assert c.events.get().kind == EventKind.REGISTERED


# --- batches and transfer --------------------------------------------------------------------


def test_batch_numbers_are_unique_and_office_only(personas, campaign, batch):
    with pytest.raises(ValidationError):
        make_batch(personas.office, campaign, number=1)
    with pytest.raises(PermissionDenied):
        make_batch(personas.district_a, campaign, number=2)


def test_transferred_case_gets_units_and_a_working_day_deadline(personas, campaign, batch):
    HandlingPolicy.objects.create(campaign=campaign, handle_workdays=10, key_handle_workdays=5)
    c = make_transferred(personas.office, batch, personas.unit_a)
    assert c.status == Status.TRANSFERRED
    assert list(c.units.values_list("unit", "role")) == [(personas.unit_a.pk, UnitRole.HANDLING)]
    calendar = ledger_services.work_calendar()
    assert c.deadline == calendar.add_workdays(batch.date, 10)
    key = make_transferred(personas.office, batch, personas.unit_a, receipt_no="X2", is_key=True)
    assert key.deadline == calendar.add_workdays(batch.date, 5)


def test_transfer_by_office_to_districts_or_departments_only(personas):
    c = make_report(district=personas.unit_a)
    with pytest.raises(PermissionDenied):
        services.complaint_transfer(
            actor=personas.district_a, complaint=c, expected_version=None, units=[personas.unit_a]
        )
    with pytest.raises(ValidationError) as exc:
        services.complaint_transfer(
            actor=personas.office, complaint=c, expected_version=None, units=[personas.unit_town_a]
        )
    assert "units" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.complaint_transfer(
            actor=personas.office,
            complaint=c,
            expected_version=None,
            units=[personas.unit_a],
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )
    services.complaint_transfer(
        actor=personas.office,
        complaint=c,
        expected_version=1,
        units=[personas.unit_a, personas.unit_department],
    )
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED and c.deadline > timezone.localdate()
    assert set(c.units.values_list("unit", flat=True)) == {
        personas.unit_a.pk,
        personas.unit_department.pk,
    }


def test_stale_version_is_a_conflict(personas, case):
    with pytest.raises(Conflict):
        services.complaint_start(
            actor=personas.district_a, complaint=case, expected_version=case.version - 1
        )


def test_transfer_down_to_own_town_only(personas, case, batch):
    services.complaint_transfer_down(
        actor=personas.district_a, complaint=case, expected_version=None, town=personas.unit_town_a
    )
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    assert case.units.filter(unit=personas.unit_town_a, role=UnitRole.TOWN).exists()
    other_town = Unit.objects.create(
        name="重庆市渝中区某街道", short_name="某街道", kind="town", parent=personas.unit_b
    )
    with pytest.raises(ValidationError):
        services.complaint_transfer_down(
            actor=personas.district_a, complaint=case, expected_version=None, town=other_town
        )
    # The town now sees the case and may record the result; the district closes it.
    assert selectors.visible_complaints(personas.town_a).filter(pk=case.pk).exists()
    services.complaint_handle(
        actor=personas.town_a,
        complaint=case,
        expected_version=None,
        result=services.Handling(finding=Finding.TRUE, investigation="属实", handling="已整改"),
    )
    with pytest.raises(PermissionDenied):
        services.complaint_close(actor=personas.town_a, complaint=case, expected_version=None)


def test_send_back_returns_a_single_unit_case_to_the_office(personas, case):
    with pytest.raises(ValidationError):
        services.complaint_send_back(
            actor=personas.district_a, complaint=case, expected_version=None, reason=" "
        )
    services.complaint_send_back(
        actor=personas.district_a, complaint=case, expected_version=None, reason="不属我区管辖"
    )
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and case.deadline is None
    assert not case.units.exists()
    assert not selectors.visible_complaints(personas.district_a).filter(pk=case.pk).exists()


def test_send_back_by_one_of_several_units_leaves_the_others(personas):
    c = make_report(district=personas.unit_a)
    services.complaint_transfer(
        actor=personas.office,
        complaint=c,
        expected_version=None,
        units=[personas.unit_a, personas.unit_b],
    )
    services.complaint_send_back(
        actor=personas.district_b, complaint=c, expected_version=None, reason="不在本区"
    )
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED
    assert list(c.units.values_list("unit", flat=True)) == [personas.unit_a.pk]


# --- handling, review, closing ---------------------------------------------------------------


def _start(personas, c):
    services.complaint_start(actor=personas.district_a, complaint=c, expected_version=None)


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"finding": "maybe"}, "finding"),
        ({"investigation": ""}, "investigation"),
        ({"handling": ""}, "handling"),
        ({"fine_yuan": "-5"}, "fine_yuan"),
        ({"fine_yuan": "abc"}, "fine_yuan"),
        ({"fine_yuan": "20000", "cases_filed": 0}, "cases_filed"),
        ({"detentions": 2, "police_referrals": 0}, "police_referrals"),
        ({"interviews": -1}, "interviews"),
    ],
)
def test_handling_validation(personas, case, result, field):
    _start(personas, case)
    values = {"finding": Finding.TRUE, "investigation": "属实", "handling": "已整改"} | result
    with pytest.raises(ValidationError) as exc:
        services.complaint_handle(
            actor=personas.district_a,
            complaint=case,
            expected_version=None,
            result=services.Handling(**values),
        )
    assert field in exc.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING


def test_substantiated_case_closes_without_review_and_publishes(personas, case):
    _start(personas, case)
    services.complaint_handle(
        actor=personas.district_a_staff,
        complaint=case,
        expected_version=None,
        result=services.Handling(
            finding=Finding.TRUE,
            investigation="属实",
            handling="责令整改",
            cases_filed=1,
            fine_yuan="50000",
            police_referrals=1,
            detentions=2,
        ),
    )
    case.refresh_from_db()
    assert case.status == Status.HANDLED and not case.needs_review
    assert str(case.fine_yuan) == "50000.00" and case.detentions == 2
    assert "review" not in rules.allowed_actions(personas.office, case)
    with pytest.raises(PermissionDenied):  # staff record; the unit administrator closes
        services.complaint_close(
            actor=personas.district_a_staff, complaint=case, expected_version=None
        )
    services.complaint_close(actor=personas.district_a, complaint=case, expected_version=None)
    services.complaint_publish(actor=personas.district_a, complaint=case, expected_version=None)
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED and case.published_at
    assert public.is_public(case) and public.open311_status(case) == "closed"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["imported", "transferred", "started", "handled", "closed", "published"]


def test_unsubstantiated_finding_needs_a_second_review_by_someone_else(personas, case):
    _start(personas, case)
    services.complaint_handle(
        actor=personas.district_a,
        complaint=case,
        expected_version=None,
        result=services.Handling(finding=Finding.FALSE, investigation="现场未发现问题"),
    )
    case.refresh_from_db()
    assert case.needs_review
    with pytest.raises(InvalidTransition):
        services.complaint_close(actor=personas.district_a, complaint=case, expected_version=None)
    with pytest.raises(PermissionDenied):  # district admin is not a reviewer
        services.complaint_review(
            actor=personas.district_a, complaint=case, expected_version=None, approve=True
        )
    with pytest.raises(PermissionDenied):  # outside the case entirely
        services.complaint_review(
            actor=personas.district_b, complaint=case, expected_version=None, approve=True
        )
    with pytest.raises(ValidationError):  # returning needs a reason
        services.complaint_review(
            actor=personas.leader, complaint=case, expected_version=None, approve=False
        )
    services.complaint_review(
        actor=personas.leader, complaint=case, expected_version=None, approve=False, comment="再查"
    )
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    # The leader records the finding this time: they may not review it themselves.
    services.complaint_handle(
        actor=personas.leader,
        complaint=case,
        expected_version=None,
        result=services.Handling(finding=Finding.FALSE, investigation="复查仍未发现问题"),
    )
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.complaint_review(
            actor=personas.leader, complaint=case, expected_version=None, approve=True
        )
    services.complaint_review(
        actor=personas.office, complaint=case, expected_version=None, approve=True
    )
    services.complaint_close(actor=personas.district_a, complaint=case, expected_version=None)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_key_case_needs_review_even_when_substantiated(personas, campaign):
    key_batch = make_batch(personas.office, campaign, number=2, is_key=True)
    c = make_transferred(personas.office, key_batch, personas.unit_a)
    assert c.is_key
    _start(personas, c)
    services.complaint_handle(
        actor=personas.district_a,
        complaint=c,
        expected_version=None,
        result=services.Handling(finding=Finding.TRUE, investigation="属实", handling="已整改"),
    )
    c.refresh_from_db()
    assert "review" in rules.allowed_actions(personas.leader, c)
    with pytest.raises(InvalidTransition):
        services.complaint_close(actor=personas.district_a, complaint=c, expected_version=None)


def test_stage_close_needs_a_future_follow_up_and_then_completes(personas, case):
    drive_case(case, Status.HANDLED, office=personas.office, handler=personas.district_a)
    with pytest.raises(ValidationError):
        services.complaint_close(
            actor=personas.district_a, complaint=case, expected_version=None, stage=True
        )
    with pytest.raises(ValidationError):
        services.complaint_close(
            actor=personas.district_a,
            complaint=case,
            expected_version=None,
            stage=True,
            follow_up_due=timezone.localdate(),
        )
    due = timezone.localdate() + dt.timedelta(days=20)
    services.complaint_close(
        actor=personas.district_a,
        complaint=case,
        expected_version=None,
        stage=True,
        follow_up_due=due,
    )
    services.complaint_publish(actor=personas.district_a, complaint=case, expected_version=None)
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED and case.closure == "stage_closed"
    services.complaint_complete_follow_up(
        actor=personas.district_a, complaint=case, expected_version=None, comment="长效机制建立"
    )
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED and case.closure == "closed"
    assert case.follow_up_due is None


def test_reject_only_received_cases(personas, case):
    c = make_report(district=personas.unit_a)
    with pytest.raises(ValidationError):
        services.complaint_reject(
            actor=personas.office, complaint=c, expected_version=None, reason="nope"
        )
    services.complaint_reject(
        actor=personas.office, complaint=c, expected_version=None, reason="abusive"
    )
    c.refresh_from_db()
    assert c.status == Status.REJECTED and public.open311_status(c) == "closed"
    assert not public.is_public(c)  # abusive reports are not shown
    with pytest.raises(InvalidTransition):
        services.complaint_reject(
            actor=personas.office, complaint=case, expected_version=None, reason="duplicate"
        )


# --- repeats, ledger links -------------------------------------------------------------------


def test_repeats_by_enterprise_and_distance(personas, batch):
    first = make_report(
        district=personas.unit_a, enterprise="重庆市万州某食品有限公司", lat=30.8079, lon=108.3891
    )
    near = make_report(district=personas.unit_a, lat=30.8085, lon=108.3895)  # ~75 m
    far = make_report(district=personas.unit_a, lat=30.85, lon=108.45)
    same_firm = make_report(district=personas.unit_a, enterprise="万州某食品公司")
    found = {c.pk: reason for c, reason in selectors.possible_repeats(near, user=personas.office)}
    assert first.pk in found and far.pk not in found
    found = {c.pk for c, _ in selectors.possible_repeats(same_firm, user=personas.office)}
    assert first.pk in found
    # A district user sees only the earlier cases in their scope.
    assert selectors.possible_repeats(near, user=personas.district_b) == []
    services.complaint_link(actor=personas.office, complaint=near, earlier=first)
    assert ComplaintLink.objects.filter(complaint=near, earlier=first).exists()
    assert first.pk not in {c.pk for c, _ in selectors.possible_repeats(near, user=personas.office)}
    assert [c.pk for c, _ in selectors.linked_cases(first, user=personas.office)] == [near.pk]
    with pytest.raises(ValidationError):
        services.complaint_link(actor=personas.office, complaint=near, earlier=first)
    with pytest.raises(ValidationError):
        services.complaint_link(actor=personas.office, complaint=near, earlier=near)


def test_closed_cases_outside_the_window_are_not_repeats(personas, settings):
    settings.SHANSHUI_COMPLAINT_REPEAT_WINDOW_DAYS = 30
    old = make_report(district=personas.unit_a, enterprise="某化工厂", lat=30.0, lon=108.0)
    Complaint.objects.filter(pk=old.pk).update(
        status=Status.CLOSED, closed_at=timezone.now() - dt.timedelta(days=40)
    )
    new = make_report(district=personas.unit_a, enterprise="某化工厂", lat=30.0, lon=108.0)
    assert selectors.possible_repeats(new, user=personas.office) == []


def test_promote_links_both_ways_and_repeat_reopens_signed_off_task(personas, campaign, case):
    task = services.complaint_promote(
        actor=personas.office,
        complaint=case,
        expected_version=None,
        campaign=campaign,
        code="TS-01",
        title="",
        deadline=timezone.localdate() + dt.timedelta(days=90),
    )
    case.refresh_from_db()
    assert case.task == task and list(task.complaints.all()) == [case]
    assert task.status == TaskStatus.DRAFT
    assert task.category_rows.get().category == "water"
    assert list(task.task_units.values_list("unit", "role")) == [
        (personas.unit_a.pk, "implementing")
    ]
    with pytest.raises(InvalidTransition):  # already on the ledger
        services.complaint_promote(
            actor=personas.office,
            complaint=case,
            expected_version=None,
            campaign=campaign,
            code="TS-02",
            title="x",
            deadline=None,
        )
    # A signed-off task, then a repeat report linked to the case: reopen from the repeat.
    signed = make_task(personas.office, campaign, code="TS-03", implementing=personas.unit_a)
    drive(
        signed,
        TaskStatus.SIGNED_OFF,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.office,
    )
    Complaint.objects.filter(pk=case.pk).update(task=signed)
    repeat = make_report(district=personas.unit_a, enterprise="同一企业")
    services.complaint_link(actor=personas.office, complaint=repeat, earlier=case)
    assert "reopen_task" in rules.allowed_actions(personas.office, repeat)
    assert "reopen_task" not in rules.allowed_actions(personas.district_a, repeat)
    with pytest.raises(ValidationError):
        services.complaint_reopen_task(
            actor=personas.office, complaint=repeat, expected_version=None, reason=""
        )
    services.complaint_reopen_task(
        actor=personas.office, complaint=repeat, expected_version=None, reason="再次排污"
    )
    signed.refresh_from_db()
    repeat.refresh_from_db()
    assert signed.status == TaskStatus.REOPENED and repeat.task == signed
    assert signed.events.filter(kind="reopened", data__trigger="repeat_complaint").exists()


# --- moderation, scope, contact --------------------------------------------------------------


def test_moderation_hides_without_deleting(personas):
    c = make_report(
        description="某某是骗子 13812345678",
        photos=[SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")],
    )
    assert "13812345678" not in public.text(c) and "138" in public.text(c)
    with pytest.raises(PermissionDenied):
        services.moderate_text(actor=personas.district_a, complaint=c, hidden=True, reason="辱骂")
    with pytest.raises(ValidationError):
        services.moderate_text(actor=personas.office, complaint=c, hidden=True, reason="")
    services.moderate_text(actor=personas.office, complaint=c, hidden=True, reason="含辱骂内容")
    c.refresh_from_db()
    assert c.description_hidden and "骗子" in c.description
    assert "骗子" not in public.text(c)
    photo = c.photos.get()
    services.moderate_photo(actor=personas.office, photo=photo, hidden=True, reason="人脸")
    assert public.photos(c) == [] and Photo.objects.filter(pk=photo.pk).exists()
    assert c.events.filter(kind=EventKind.HIDDEN).count() == 2
    assert not c.events.filter(kind=EventKind.HIDDEN, is_public=True).exists()
    with pytest.raises(InvalidTransition):  # hiding already marked it checked
        services.moderate_approve(actor=personas.office, complaint=c)


def test_scope_and_contact_visibility(personas, case):
    ComplaintContact.objects.filter(complaint=case).update(name="王五", phone="13700000000")
    assert selectors.visible_complaints(personas.district_a).filter(pk=case.pk).exists()
    assert selectors.visible_complaints(personas.leader).filter(pk=case.pk).exists()
    assert not selectors.visible_complaints(personas.district_b).exists()
    assert not selectors.visible_complaints(personas.department).exists()
    assert not selectors.visible_complaints(personas.citizen).exists()
    assert not selectors.visible_complaints(personas.town_a).exists()  # until transferred down
    viewer = make_user("p_viewer", unit=personas.unit_a, role=Role.VIEWER)
    assert selectors.visible_complaints(viewer).filter(pk=case.pk).exists()
    assert rules.sees_contact(personas.office, case)
    assert rules.sees_contact(personas.district_a, case)
    assert not rules.sees_contact(viewer, case)
    assert rules.allowed_actions(viewer, case) == []
    Membership.objects.create(user=viewer, unit=personas.unit_b, role=Role.STAFF)
    assert not rules.sees_contact(viewer, case)


def test_every_action_writes_one_event(personas, case):
    before = ComplaintEvent.objects.count()
    drive_case(case, Status.PUBLISHED, office=personas.office, handler=personas.district_a)
    assert ComplaintEvent.objects.count() - before == 4  # start, handle, close, publish


# --- the copies on the case units ------------------------------------------------------------


def _assert_units_copy_the_case(c):
    """Every ComplaintUnit row carries the case's UNIT_COPIES (what waits for a unit is listed
    and counted from those rows alone)."""
    c.refresh_from_db()
    expected = {name: getattr(c, name) for name in UNIT_COPIES}
    rows = list(c.units.values(*UNIT_COPIES))
    assert rows, "the case has units"
    assert all(row == expected for row in rows), (expected, rows)


def test_every_action_keeps_the_units_copies_equal_to_the_case(personas):
    """Each service that changes a copied field, on a case with a district, a town and a second
    handling unit: transfer, start, transfer down, handle, review returned, review, stage-close,
    publish, follow-up, close, reject, send back."""
    office, district, leader = personas.office, personas.district_a, personas.leader
    c = make_report(district=personas.unit_a)
    services.complaint_transfer(
        actor=office, complaint=c, expected_version=None, units=[personas.unit_a, personas.unit_b]
    )
    _assert_units_copy_the_case(c)
    services.complaint_transfer(
        actor=office,
        complaint=c,
        expected_version=None,
        units=[personas.unit_a, personas.unit_b],
        deadline=timezone.localdate() + dt.timedelta(days=9),
    )
    _assert_units_copy_the_case(c)
    services.complaint_start(actor=district, complaint=c, expected_version=None)
    _assert_units_copy_the_case(c)
    services.complaint_transfer_down(
        actor=district, complaint=c, expected_version=None, town=personas.unit_town_a
    )
    assert c.units.count() == 3
    _assert_units_copy_the_case(c)
    false = services.Handling(finding=Finding.FALSE, investigation="经核查不属实")
    services.complaint_handle(actor=district, complaint=c, expected_version=None, result=false)
    _assert_units_copy_the_case(c)
    services.complaint_review(
        actor=leader, complaint=c, expected_version=None, approve=False, comment="再查"
    )
    _assert_units_copy_the_case(c)
    services.complaint_handle(actor=district, complaint=c, expected_version=None, result=false)
    services.complaint_review(actor=leader, complaint=c, expected_version=None, approve=True)
    _assert_units_copy_the_case(c)
    services.complaint_close(
        actor=district,
        complaint=c,
        expected_version=None,
        stage=True,
        follow_up_due=timezone.localdate() + dt.timedelta(days=30),
    )
    _assert_units_copy_the_case(c)
    assert c.closure == "stage_closed" and c.closed_at and c.follow_up_due
    services.complaint_publish(actor=district, complaint=c, expected_version=None)
    _assert_units_copy_the_case(c)
    services.complaint_complete_follow_up(
        actor=district, complaint=c, expected_version=None, comment="已复查"
    )
    _assert_units_copy_the_case(c)
    assert c.closure == "closed" and c.follow_up_due is None

    other = make_report(district=personas.unit_a)
    services.complaint_transfer(
        actor=office, complaint=other, expected_version=None, units=[personas.unit_a]
    )
    drive_case(other, Status.HANDLED, office=office, handler=district)
    services.complaint_close(actor=district, complaint=other, expected_version=None)
    _assert_units_copy_the_case(other)
    assert other.closure == "closed" and other.closed_at

    # Sent back by one of two units: the other keeps its copy; by the last: no units left.
    back = make_report(district=personas.unit_a)
    services.complaint_transfer(
        actor=office,
        complaint=back,
        expected_version=None,
        units=[personas.unit_a, personas.unit_b],
    )
    services.complaint_send_back(
        actor=personas.district_b, complaint=back, expected_version=None, reason="不在本区"
    )
    _assert_units_copy_the_case(back)
    services.complaint_send_back(
        actor=district, complaint=back, expected_version=None, reason="不属我区"
    )
    assert not back.units.exists()
    # A case transferred in a batch gets its units with the copies at once.
    campaign = make_campaign(office, code="copies")
    imported = make_transferred(office, make_batch(office, campaign), personas.unit_a)
    _assert_units_copy_the_case(imported)


def test_the_case_carries_the_bits_of_its_types(personas):
    """Complaint.category_bits mirrors the ComplaintCategory rows from intake on, and the case
    list's type filter (which reads the bits) finds exactly the cases with such a row."""
    from shanshui.complaints import selectors

    campaign = make_campaign(personas.office, code="bits")
    batch = make_batch(personas.office, campaign)
    cases = [
        make_report(categories=("air", "water", "air")),
        make_report(categories=("other",), channel="open311"),
        services.complaint_submit(
            actor=personas.office,
            report=services.Report(
                description="来电反映噪声",
                categories=["noise", "soil"],
                channel="hotline",
                address="万州区",
            ),
        ),
        make_transferred(personas.office, batch, personas.unit_a, categories=("solid_waste",)),
        make_transferred(
            personas.office,
            batch,
            personas.unit_a,
            receipt_no="X500000202411290002",
            categories=("radiation", "ecology", "water"),
        ),
    ]
    for c in cases:
        c.refresh_from_db()
        rows = c.category_rows.values_list("category", flat=True)
        assert c.category_bits == category_bits(rows) and c.category_bits
    assert cases[0].category_bits == CATEGORY_BITS["water"] | CATEGORY_BITS["air"]
    assert sorted(CATEGORY_BITS) == sorted(Category.values)
    assert sorted(CATEGORY_BITS.values()) == [1 << i for i in range(len(CATEGORY_BITS))]
    for category in Category.values:
        listed = set(selectors.cases(personas.office, data={"category": category}))
        assert listed == set(Complaint.objects.filter(category_rows__category=category))
    assert not selectors.cases(personas.office, data={"category": "smell"}).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_quick_displays_say_what_djangos_say(language):
    """Complaint.get_status_display() & co. (models._display) equal Django's own, in every
    language, for every choice, an empty value and an unknown one."""
    from django.utils import translation

    from shanshui.complaints.models import ComplaintCategory

    cases = [(Complaint(), name) for name in ("status", "channel", "finding")]
    cases.append((ComplaintCategory(), "category"))
    with translation.override(language):
        for obj, name in cases:
            field = obj._meta.get_field(name)
            for value in [*(v for v, _label in field.choices), "", "bogus", None]:
                setattr(obj, name, value)
                quick = getattr(obj, f"get_{name}_display")()
                assert quick == obj._get_FIELD_display(field), (name, value)
                assert type(quick) is type(obj._get_FIELD_display(field))
