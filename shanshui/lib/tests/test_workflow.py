"""The workflow core without an app: a stand-in object and event model record what it does.

The ledger's and the complaints' own tests (transitions, concurrency) drive it on real rows.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanshui.lib import workflow
from shanshui.lib.workflow import Conflict, InvalidTransition, Workflow


class Thing(SimpleNamespace):
    def save(self, update_fields=None):
        self.saves.append(update_fields)


class Events:
    """Stands in for ``EventModel.objects``: keeps what was created."""

    def __init__(self):
        self.rows = []

    def create(self, **fields):
        self.rows.append(fields)
        return fields


class Rows:
    """Stands in for the locking queryset: hands out the stored row, counting the reads."""

    def __init__(self, row):
        self.row, self.reads = row, 0

    def get(self, pk):
        assert pk == self.row.pk
        self.reads += 1
        return self.row


def make_flow(rows=None, check=lambda user, obj, action: ("roles of", user, action), **hooks):
    model = SimpleNamespace(objects=Events())
    flow = Workflow(
        event_model=model,
        subject="thing",
        stale_message=lambda t: f"stale {t.name}",
        locking=lambda: rows,
        check=check,
        **hooks,
    )
    return flow, model.objects.rows


def thing(**kw):
    return Thing(pk=1, name="t1", status="draft", version=3, saves=[], **kw)


def test_act_locks_then_checks_the_rules_on_the_locked_row():
    stored = thing()
    rows = Rows(stored)
    seen = []
    flow, _ = make_flow(
        rows,
        check=lambda user, obj, action: seen.append((user, obj, action)) or "roles",
        before_lock=lambda obj: seen.append("parent first"),
    )
    stale_copy = Thing(pk=1)
    locked, roles = flow.act(stale_copy, actor="u", action="assign", expected_version=3)
    assert (locked, roles, rows.reads) == (stored, "roles", 1)
    assert seen == ["parent first", ("u", stored, "assign")]
    with pytest.raises(Conflict, match="stale t1"):
        flow.act(stale_copy, actor="u", action="assign", expected_version=2)
    assert len(seen) == 3  # a stale page never reaches the rules


def test_after_lock_sees_the_locked_row_before_the_rules_and_the_change():
    stored = thing()
    seen = []
    flow, _ = make_flow(
        Rows(stored),
        check=lambda user, obj, action: seen.append(("rules", obj.status)) or "roles",
        after_lock=lambda obj: seen.append(("locked", obj is stored, obj.status)),
    )
    locked, _roles = flow.act(Thing(pk=1), actor="u", action="assign")
    flow.transition(locked, actor="u", to="assigned", kind="assigned")
    assert seen == [("locked", True, "draft"), ("rules", "draft")]


def test_it_moves_saves_and_records_both_states():
    order = []
    flow, events = make_flow(
        before_save=lambda t: order.append(("before", t.version)),
        after_save=lambda t: order.append(("after", t.status)),
        event_fields=lambda t, kind: {"copied": t.name, "public": kind == "done"},
    )
    t = thing()
    event = flow.transition(t, actor=None, to="done", kind="done", comment="ok", note="n")
    assert (t.status, t.version, t.note) == ("done", 4, "n")
    assert order == [("before", 4), ("after", "done")]  # derived fields see the new state
    assert t.saves == [None]
    assert event["thing"] is t
    assert (event["from_status"], event["to_status"], event["comment"]) == ("draft", "done", "ok")
    assert (event["copied"], event["public"], event["data"]) == ("t1", True, {})
    assert events == [event]


def test_it_stores_an_anonymous_actor_as_none_and_keeps_a_real_one():
    flow, events = make_flow()
    user = SimpleNamespace(pk=7)
    flow.record(thing(), actor=SimpleNamespace(pk=None), kind="x")
    flow.record(thing(), actor=user, kind="x", data={"a": 1})
    assert events[0]["actor"] is None
    assert events[1]["actor"] is user and events[1]["data"] == {"a": 1}


def test_an_event_field_given_by_the_caller_wins_over_the_default():
    flow, events = make_flow(event_fields=lambda t, kind: {"public": True})
    flow.record(thing(), actor=None, kind="x", public=False)
    assert events[0]["public"] is False


def test_touch_bumps_the_version_and_saves_only_the_named_fields():
    flow, _ = make_flow(touch_fields=("version", "updated_at"))
    t = thing()
    flow.touch(t)
    assert t.version == 4 and t.saves == [["version", "updated_at"]]


def test_a_stale_version_is_a_conflict_and_none_skips_the_check():
    t = thing()
    assert workflow.check_version(t, None, "stale") is t
    assert workflow.check_version(t, 3, "stale") is t
    with pytest.raises(Conflict) as exc:
        workflow.check_version(t, 2, lambda o: f"stale {o.name}")
    assert exc.value.message == "stale t1"
    assert (exc.value.status_code, exc.value.code) == (409, "conflict")


def test_enforce_refuses_the_state_before_asking_about_the_role():
    asked = []

    def role_ok():
        asked.append(True)
        return False

    with pytest.raises(InvalidTransition, match="not now"):
        workflow.enforce(
            state_ok=False, role_ok=role_ok, state_refusal=lambda: "not now", role_refusal="no"
        )
    assert asked == []
    with pytest.raises(PermissionDenied, match="no"):
        workflow.enforce(
            state_ok=True, role_ok=role_ok, state_refusal=lambda: "not now", role_refusal="no"
        )
    workflow.enforce(state_ok=True, role_ok=lambda: True, state_refusal=lambda: "", role_refusal="")


def test_require_text_strips_and_names_the_field():
    assert workflow.require_text("  意见  ", "comment", "say it") == "意见"
    for empty in ("", "   ", None):
        with pytest.raises(ValidationError) as exc:
            workflow.require_text(empty, "comment", "say it")
        assert exc.value.message_dict == {"comment": ["say it"]}
    with pytest.raises(ValidationError) as exc:
        workflow.require_text("x" * 5, "reason", "say it", max_length=4)
    assert list(exc.value.message_dict) == ["reason"]


def test_the_actions_table_is_keyed_by_name():
    table = workflow.actions_table(
        [workflow.Action("a", "A", ("s1",)), workflow.Action("b", "B", ("s2",))]
    )
    assert list(table) == ["a", "b"] and table["b"].states == ("s2",)
