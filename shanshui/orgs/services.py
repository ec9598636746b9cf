"""Business actions on units, memberships, tokens and logins. Each writes an audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.orgs.models import (
    ApiToken,
    AuditEntry,
    LoginFailure,
    Membership,
    Role,
    Unit,
    UnitAlias,
)
from shanshui.orgs.names import keys_for, normalize
from shanshui.orgs.scope import scope_for

TOKEN_PREFIX = "ssk_"

# Roles a unit administrator may hand out within their own unit; only the office grants
# office (city oversight) rights and unit administrators.
ROLES_UNIT_ADMIN_MAY_GRANT = {Role.STAFF, Role.LEADER, Role.REVIEWER, Role.VIEWER}


def audit(
    *,
    actor=None,
    action: str,
    obj: Any = None,
    summary: str = "",
    data: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:255],
        data=data or {},
        ip_address=ip,
    )


# --- units -----------------------------------------------------------------------------------


def unit_reindex_names(unit: Unit) -> None:
    """Rebuild the derived lookup keys of ``unit`` from its names and explicit aliases."""
    explicit = list(UnitAlias.objects.filter(unit=unit, is_derived=False))
    for row in explicit:
        key = normalize(row.alias)
        if row.key != key:
            row.key = key
            row.save(update_fields=["key"])
    wanted = {}
    for text in [unit.name, unit.short_name, *(row.alias for row in explicit)]:
        for key in keys_for(text or ""):
            wanted.setdefault(key, text)
    taken = {row.key for row in explicit}
    derived = {row.key: row for row in UnitAlias.objects.filter(unit=unit, is_derived=True)}
    stale = [row.pk for key, row in derived.items() if key not in wanted or key in taken]
    if stale:
        UnitAlias.objects.filter(pk__in=stale).delete()
    UnitAlias.objects.bulk_create(
        [
            UnitAlias(unit=unit, alias=text, key=key, is_derived=True)
            for key, text in wanted.items()
            if key not in taken and key not in derived
        ]
    )


def unit_set_aliases(unit: Unit, aliases: list[str]) -> bool:
    """Make sure each alias in ``aliases`` is an explicit alias of ``unit``; returns True on change.

    Existing explicit aliases are kept (local additions survive reloads of the reference data).
    """
    changed = False
    existing = set(UnitAlias.objects.filter(unit=unit).values_list("key", "is_derived"))
    explicit_keys = {key for key, derived in existing if not derived}
    for alias in aliases:
        key = normalize(alias)
        if not key or key in explicit_keys:
            continue
        UnitAlias.objects.filter(unit=unit, key=key, is_derived=True).delete()
        UnitAlias.objects.create(unit=unit, alias=alias, key=key, is_derived=False)
        explicit_keys.add(key)
        changed = True
    before = set(UnitAlias.objects.filter(unit=unit).values_list("key", flat=True))
    unit_reindex_names(unit)
    after = set(UnitAlias.objects.filter(unit=unit).values_list("key", flat=True))
    return changed or before != after


# --- memberships -----------------------------------------------------------------------------


@transaction.atomic
def membership_grant(*, actor, user, unit: Unit, role: str, post: str = "") -> Membership:
    """Give ``user`` ``role`` on ``unit``. The office may grant anything; a unit administrator
    may grant staff, leader, reviewer and viewer roles within their own unit."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")}, code="invalid_role")
    scope = scope_for(actor)
    if not scope.sees_all:
        scope.require_role(unit, Role.UNIT_ADMIN)
        if role not in ROLES_UNIT_ADMIN_MAY_GRANT:
            raise PermissionDenied(_("Only the rectification office may grant this role."))
    if not unit.is_current:
        raise ValidationError(
            {
                "unit": _("%(unit)s no longer exists; grant roles on its successor.")
                % {"unit": unit}
            },
            code="unit_not_current",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"post": post}
    )
    if not created and post and membership.post != post:
        membership.post = post
        membership.save(update_fields=["post"])
    audit(
        actor=actor,
        action="membership.grant",
        obj=membership,
        summary=f"{user.username} · {unit} · {role}",
        data={"user": user.pk, "unit": unit.pk, "role": role, "post": post, "new": created},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    scope = scope_for(actor)
    if not scope.sees_all:
        scope.require_role(membership.unit, Role.UNIT_ADMIN)
        if membership.role not in ROLES_UNIT_ADMIN_MAY_GRANT:
            raise PermissionDenied(_("Only the rectification office may revoke this role."))
    audit(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        summary=f"{membership.user.username} · {membership.unit} · {membership.role}",
        data={"user": membership.user_id, "unit": membership.unit_id, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_create_in_unit(
    *,
    actor,
    unit: Unit,
    username: str,
    full_name: str,
    email: str = "",
    password: str,
    role: str = Role.STAFF,
    post: str = "",
):
    """Create an account for a person of ``unit`` and give them ``role`` there."""
    User = get_user_model()
    user = User(username=username, first_name=full_name, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=actor, action="user.create", obj=user, summary=f"{username} ({full_name})")
    membership_grant(actor=actor, user=user, unit=unit, role=role, post=post)
    return user


# --- API tokens ------------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal access token. Returns the row and the raw token, shown only once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")}, code="required")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash_token(raw),
        expires_at=expires_at,
    )
    audit(actor=user, action="token.create", obj=token, summary=str(token))
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    if token.user_id != actor.pk and not scope_for(actor).sees_all:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="token.revoke", obj=token, summary=str(token))


def api_token_authenticate(raw: str):
    """The active user behind a raw token, or None. Records when the token was last used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(token_hash=_hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute per token: a busy client should not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- login lockout ---------------------------------------------------------------------------


def _lockout_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _recent_failures(username: str):
    return LoginFailure.objects.filter(
        username=username, at__gte=timezone.now() - _lockout_window()
    )


def _over_limit(recent, ip: str | None, *, allowed: int, allowed_from_ip: int) -> bool:
    if recent.count() > allowed:
        return True
    return ip is not None and recent.filter(ip_address=ip).count() > allowed_from_ip


def login_is_locked(username: str, ip: str | None = None) -> bool:
    """True while ``username`` is locked for logins from ``ip``.

    Locked after LOGIN_LOCKOUT_ATTEMPTS failures from one address within the window (so a
    stranger elsewhere cannot lock an official out of their own office), or after
    LOGIN_LOCKOUT_ATTEMPTS_ANY_IP failures from anywhere (so guessing from many addresses stops
    too). Failures stop being counted while locked, so the lock ends a window after the last one.
    A read only, for messages; the decision to check a password is ``login_reserve_attempt``'s.
    """
    username = (username or "").strip()
    if not username:
        return False
    return _over_limit(
        _recent_failures(username),
        ip,
        allowed=settings.LOGIN_LOCKOUT_ATTEMPTS_ANY_IP - 1,
        allowed_from_ip=settings.LOGIN_LOCKOUT_ATTEMPTS - 1,
    )


def login_reserve_attempt(*, username: str, ip: str | None) -> LoginFailure | None:
    """Count a password attempt *before* the password is checked; None when it is refused.

    A check-then-count lockout lets a burst of simultaneous guesses all pass the check before
    any failure is written, and a right password among them logs in long after the limit. So
    every attempt first writes its failure row and counts, in one transaction serialised per
    user name (a PostgreSQL advisory lock; SQLite's IMMEDIATE transactions serialise all
    writers): each attempt sees every attempt before it, so exactly the first attempts up to
    the limit reach the password check, across threads, processes and hosts. A refused attempt
    leaves no row (failures stop counting while locked); a successful login clears the rows
    (``login_record_success``); a wrong password keeps its row as the failure.
    """
    username = (username or "").strip()[:150]
    if not username:
        return None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["login:" + username])
        reservation = LoginFailure.objects.create(username=username, ip_address=ip)
        refused = _over_limit(
            _recent_failures(username),
            ip,
            allowed=settings.LOGIN_LOCKOUT_ATTEMPTS_ANY_IP,
            allowed_from_ip=settings.LOGIN_LOCKOUT_ATTEMPTS,
        )
        if refused:
            transaction.set_rollback(True)
    if refused:
        audit(action="login.refused_locked", summary=username, ip=ip)
        return None
    return reservation


def login_record_failure(*, username: str, ip: str | None) -> None:
    """A wrong password on a reserved attempt: its row stays as the failure."""
    username = (username or "").strip()[:150]
    if not username:
        return
    # Old failures say nothing about the current window; keep the table small.
    LoginFailure.objects.filter(
        username=username, at__lt=timezone.now() - 4 * _lockout_window()
    ).delete()
    audit(action="login.failure", summary=username, ip=ip)
    if login_is_locked(username, ip):
        audit(action="login.locked", summary=username, ip=ip)


def login_record_success(*, user, ip: str | None) -> None:
    LoginFailure.objects.filter(username=user.get_username()).delete()
    audit(actor=user, action="login.success", obj=user, summary=user.get_username(), ip=ip)
