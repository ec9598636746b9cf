"""Warning colours with a fixed 'today' (pure, no database)."""

import datetime as dt

from shanshui.ledger.warnings import TaskFacts, compute, missed_reports

TODAY = dt.date(2026, 6, 1)


def facts(**kw):
    base = dict(
        status="in_progress",
        deadline_kind="dated",
        deadline=dt.date(2026, 12, 31),
        progress=50,
        assigned_on=dt.date(2026, 1, 1),
        last_report_on=dt.date(2026, 5, 20),
        report_cycle="monthly",
        urge_overdue=False,
    )
    base.update(kw)
    return TaskFacts(**base)


def test_it_is_green_on_track():
    assert compute(facts(), TODAY).colour == "green"


def test_it_is_overdue_the_day_after_the_deadline():
    assert compute(facts(deadline=TODAY), TODAY).colour != "overdue"
    verdict = compute(facts(deadline=TODAY - dt.timedelta(days=3)), TODAY)
    assert (verdict.colour, verdict.reason) == ("overdue", "overdue:3")


def test_it_is_red_near_the_deadline_with_low_progress():
    near = TODAY + dt.timedelta(days=10)
    assert compute(facts(deadline=near, progress=79), TODAY).colour == "red"
    assert compute(facts(deadline=near, progress=80), TODAY).colour == "yellow"
    assert compute(facts(deadline=near, progress=95), TODAY).colour == "green"


def test_it_is_yellow_a_month_out_with_progress_under_90():
    assert (
        compute(facts(deadline=TODAY + dt.timedelta(days=30), progress=85), TODAY).colour
        == "yellow"
    )
    assert (
        compute(facts(deadline=TODAY + dt.timedelta(days=31), progress=85), TODAY).colour == "green"
    )


def test_missed_report_cycles():
    assert missed_reports(facts(last_report_on=TODAY - dt.timedelta(days=30)), TODAY) == 0
    assert missed_reports(facts(last_report_on=TODAY - dt.timedelta(days=31)), TODAY) == 1
    one = compute(facts(last_report_on=TODAY - dt.timedelta(days=40)), TODAY)
    two = compute(facts(last_report_on=TODAY - dt.timedelta(days=62)), TODAY)
    assert (one.colour, one.reason) == ("yellow", "missed_reports:1")
    assert (two.colour, two.reason) == ("red", "missed_reports:2")
    weekly = facts(report_cycle="weekly", last_report_on=TODAY - dt.timedelta(days=14))
    assert compute(weekly, TODAY).colour == "red"


def test_missed_reports_count_from_assignment_when_none_was_made():
    assert (
        compute(facts(last_report_on=None, assigned_on=TODAY - dt.timedelta(days=70)), TODAY).colour
        == "red"
    )


def test_an_overdue_urge_notice_makes_it_red():
    verdict = compute(facts(urge_overdue=True), TODAY)
    assert (verdict.colour, verdict.reason) == ("red", "urge_unanswered")


def test_behind_pace_is_yellow():
    # Half the time has passed but only 20% is done.
    f = facts(assigned_on=dt.date(2026, 1, 1), deadline=dt.date(2026, 11, 1), progress=20)
    verdict = compute(f, TODAY)
    assert verdict.colour == "yellow" and verdict.reason.startswith("behind_pace:")


def test_no_warning_for_drafts_withdrawn_and_closed_tasks():
    for status in ("draft", "withdrawn", "signed_off"):
        assert (
            compute(facts(status=status, deadline=TODAY - dt.timedelta(days=9)), TODAY).colour
            == "none"
        )


def test_tasks_under_review_are_green_even_past_the_deadline():
    for status in ("acceptance_applied", "rechecked", "accepted", "in_public_notice"):
        assert (
            compute(facts(status=status, deadline=TODAY - dt.timedelta(days=9)), TODAY).colour
            == "green"
        )


def test_ongoing_tasks_keep_being_watched_after_sign_off():
    f = facts(
        status="signed_off",
        deadline_kind="ongoing",
        deadline=None,
        last_report_on=TODAY - dt.timedelta(days=70),
    )
    assert compute(f, TODAY).colour == "red"
    f = facts(
        status="signed_off",
        deadline_kind="ongoing",
        deadline=None,
        last_report_on=TODAY - dt.timedelta(days=5),
    )
    assert compute(f, TODAY).colour == "green"


def test_rules_are_configurable():
    near = TODAY + dt.timedelta(days=10)
    assert (
        compute(facts(deadline=near, progress=79), TODAY, {"red_days_left": 5}).colour == "yellow"
    )


def test_several_reasons_are_kept():
    verdict = compute(
        facts(
            deadline=TODAY + dt.timedelta(days=5),
            progress=10,
            last_report_on=TODAY - dt.timedelta(days=70),
        ),
        TODAY,
    )
    assert verdict.colour == "red"
    assert verdict.reasons == ("deadline_near:5", "missed_reports:2")
