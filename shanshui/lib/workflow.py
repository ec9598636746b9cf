"""The workflow core every app's services use. 办理流程内核

A workflow object (a ledger task, a complaint case, …) has a ``status`` and an optimistic
``version``. Every business action on it follows the same steps, which live here once:

1. lock the row (``select_for_update``) and refuse a stale version — a page loaded before someone
   else acted gets :class:`Conflict`, never a lost update;
2. check the action against the app's rules table (:class:`Action` rows: which states allow it)
   and the role rule — :class:`InvalidTransition` (409) or ``PermissionDenied`` (403);
3. change the state, bump the version, save;
4. write one event row.

Each app keeps its own rules table, its own Event model and its own wording; it describes them
to :class:`Workflow` once and calls ``flow.lock``, ``flow.transition``, ``flow.record``. No models
here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _


class WorkflowError(Exception):
    """A refusal that is no bug of the caller's: shown to people as a message, to API clients as
    ``{"code": …, "detail": …}`` with ``status_code``."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(WorkflowError):
    """The object's state does not allow the action at all."""

    status_code = 409
    code = "invalid_state"


class Conflict(WorkflowError):
    """Someone else changed the object since the caller read it (a stale version)."""

    status_code = 409
    code = "conflict"


class RateLimited(WorkflowError):
    status_code = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Action:
    """One row of an app's rules table: the action, its label for people, the states allowing it.

    ``confirm``: for a step that cannot be undone, what will happen, said to the person before
    it does (the page puts it in the form's ``data-confirm``; static/js/confirm.js asks).
    """

    name: str
    label: object  # lazy translation
    states: tuple[str, ...]
    confirm: object = ""  # lazy translation


def actions_table(actions: Iterable[Action]) -> dict[str, Action]:
    return {a.name: a for a in actions}


def enforce(
    *,
    state_ok: bool,
    role_ok: Callable[[], bool],
    state_refusal: Callable[[], str],
    role_refusal: str,
) -> None:
    """Refuse an action: first for the state (409, whoever asks), then for the role (403).

    The role is asked only when the state allows the action, so a user learns that the object
    moved on before learning about their role on it.
    """
    if not state_ok:
        raise InvalidTransition(state_refusal())
    if not role_ok():
        raise PermissionDenied(role_refusal)


def require_text(
    value: str | None,
    field: str,
    message: str,
    *,
    max_length: int | None = None,
    code: str = "required",
) -> str:
    """The stripped text, or a field error: every gate (recheck, acceptance, refusal) records an
    opinion, and an empty one is no opinion."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code=code)
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            {field: _("At most %(n)d characters, please.") % {"n": max_length}}, code="max_length"
        )
    return value


def check_version(obj: Any, expected_version: int | None, stale: str | Callable[[Any], str]):
    """Refuse when the caller saw another version than the locked row has (None: no check)."""
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(stale(obj) if callable(stale) else str(stale))
    return obj


@dataclass(frozen=True)
class Workflow:
    """How one app's objects move: its Event model and the hooks around a save.

    - ``event_model``/``subject``: the Event model and the name of its foreign key to the object;
    - ``locking()``: the queryset that re-reads an object under a row lock (``select_for_update``
      and whatever it joins); ``before_lock(obj)`` takes locks that must come first (a parent's);
      ``after_lock(obj)`` sees the locked row as it was before the action (e.g. to remember what
      a summary counts it under);
    - ``check(user, obj, action)``: the app's rules (``rules.check``), which raise the refusal and
      return what the service needs to know of the user's roles;
    - ``event_fields(obj, kind)``: further fields of every event, from the object and the event's
      kind (e.g. the task's campaign, whether a kind of case event is public);
    - ``before_save(obj)``: keeps derived fields right before a state change is saved;
    - ``after_save(obj)``: keeps copies elsewhere right after (same transaction);
    - ``stale_message(obj)``: what a person with a stale page is told;
    - ``touch_fields``: what ``touch`` saves (None: the whole row, so ``before_save``'s fields too);
    - ``after_record(obj, event)``: called with every event written (same transaction), e.g. to
      queue the notices of whoever must act next once the transaction commits.
    """

    event_model: type[models.Model]
    subject: str
    stale_message: Callable[[Any], str]
    locking: Callable[[], models.QuerySet]
    check: Callable[[Any, Any, str], Any]
    before_lock: Callable[[Any], None] | None = None
    after_lock: Callable[[Any], None] | None = None
    event_fields: Callable[[Any, str], Mapping[str, Any]] | None = None
    before_save: Callable[[Any], None] | None = None
    after_save: Callable[[Any], None] | None = None
    touch_fields: tuple[str, ...] | None = None
    after_record: Callable[[Any, Any], None] | None = None

    def lock(self, obj: Any, expected_version: int | None):
        """Re-read the object under a row lock and refuse a stale version (None: no check)."""
        if self.before_lock:
            self.before_lock(obj)
        locked = self.locking().get(pk=obj.pk)
        if self.after_lock:
            self.after_lock(locked)
        return check_version(locked, expected_version, self.stale_message)

    def act(self, obj: Any, *, actor, action: str, expected_version: int | None = None):
        """The start of every action: lock, refuse a stale version, check the rules.

        Returns the locked object and what the rules say of the actor's roles on it. The rules
        are checked on the locked row, so two people acting at once cannot both pass them.
        """
        locked = self.lock(obj, expected_version)
        return locked, self.check(actor, locked, action)

    def record(
        self,
        obj: Any,
        *,
        actor,
        kind: str,
        unit=None,
        from_status: str = "",
        to_status: str = "",
        comment: str = "",
        data: dict | None = None,
        **extra: Any,
    ):
        """Write one event row; an anonymous actor (a citizen, the system) is stored as None."""
        fields = dict(self.event_fields(obj, kind)) if self.event_fields else {}
        fields.update(extra)
        event = self.event_model.objects.create(
            **{self.subject: obj},
            actor=actor if getattr(actor, "pk", None) else None,
            unit=unit,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            data=data or {},
            **fields,
        )
        if self.after_record:
            self.after_record(obj, event)
        return event

    def transition(
        self,
        obj: Any,
        *,
        actor,
        to: str,
        kind: str,
        unit=None,
        comment: str = "",
        data: dict | None = None,
        event: Mapping[str, Any] | None = None,
        **fields: Any,
    ):
        """Move the (locked) object to ``to`` with ``fields`` set, bump its version, save, and
        write the event recording both states."""
        old = obj.status
        obj.status = to
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.version += 1
        if self.before_save:
            self.before_save(obj)
        obj.save()
        if self.after_save:
            self.after_save(obj)
        return self.record(
            obj,
            actor=actor,
            kind=kind,
            unit=unit,
            from_status=old,
            to_status=to,
            comment=comment,
            data=data,
            **(event or {}),
        )

    def touch(self, obj: Any) -> None:
        """Bump the version of an object changed without a state change (a stale page then
        gets Conflict for it too)."""
        obj.version += 1
        if self.before_save:
            self.before_save(obj)
        if self.touch_fields is None:
            obj.save()
        else:
            obj.save(update_fields=list(self.touch_fields))
