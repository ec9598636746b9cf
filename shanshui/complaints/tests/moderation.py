"""先审后发 in tests: citizens' reports are public only once the office has checked them. Tests of
the public side approve the reports they build, through the service, as the office would."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from shanshui.complaints import public, services
from shanshui.complaints.models import Complaint
from shanshui.orgs.models import Membership, Role, Unit


def moderator():
    """An office user who checks the moderation queue (made once per test database)."""
    user, created = get_user_model().objects.get_or_create(username="p_moderator")
    if created:
        Membership.objects.create(
            user=user, unit=Unit.objects.get(key="cq-inspection-office"), role=Role.OFFICE
        )
    return user


def approve(c: Complaint, **kwargs) -> Complaint:
    services.moderate_approve(actor=moderator(), complaint=c, **kwargs)
    c.refresh_from_db()
    return c


def approve_waiting() -> int:
    """Approve every citizen's report still waiting (as the queue's bulk approval does)."""
    waiting = list(public.awaiting_review())
    return services.moderate_many(actor=moderator(), complaints=waiting, approve=True)
