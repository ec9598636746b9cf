"""Complaint scenarios: transfer batches, citizens' reports and cases brought to any state
through the services, the way people would, with their events (for tests and benchmarks)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shanshui.complaints import services
from shanshui.complaints.models import Channel, Complaint, Finding, Status, TransferBatch
from shanshui.ledger.models import Campaign


def make_batch(office, campaign: Campaign, *, number: int = 1, is_key: bool = False):
    return services.batch_create(
        actor=office,
        campaign=campaign,
        number=number,
        date=timezone.localdate(),
        is_key=is_key,
    )


def make_transferred(
    office,
    batch: TransferBatch,
    unit,
    *,
    receipt_no: str = "X500000202411290001",
    description: str = "某企业夜间偷排废水，河水发黑发臭。",
    categories=("water",),
    enterprise: str = "",
    is_key: bool = False,
) -> Complaint:
    return services.batch_add_case(
        actor=office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no=receipt_no,
            seq=None,
            description=description,
            categories=list(categories),
            units=[unit],
            district=unit,
            enterprise=enterprise,
            is_key=is_key,
        ),
    )


def make_report(
    *,
    description: str = "河边排污口排放黑色污水，气味刺鼻。",
    categories=("water",),
    district=None,
    address: str = "万州区高笋塘街道滨江路",
    lat: float | None = None,
    lon: float | None = None,
    enterprise: str = "",
    contact: services.Contact | None = None,
    photos=(),
    channel: str = Channel.WEB,
    actor=None,
    moderator=None,
) -> Complaint:
    """A citizen's report (or a call the office registers); ``moderator``: the office user who
    approves it for publication at once (先审后发: otherwise it waits in the queue)."""
    c = services.complaint_submit(
        actor=actor,
        report=services.Report(
            description=description,
            categories=list(categories),
            channel=channel,
            district=district,
            address=address,
            lat=lat,
            lon=lon,
            enterprise=enterprise,
            contact=contact or services.Contact(),
        ),
        photos=list(photos),
    )
    if moderator is not None and channel in (Channel.WEB, Channel.OPEN311):
        services.moderate_approve(actor=moderator, complaint=c)
        c.refresh_from_db()
    return c


ORDER = [
    Status.RECEIVED,
    Status.TRANSFERRED,
    Status.INVESTIGATING,
    Status.HANDLED,
    Status.CLOSED,
    Status.PUBLISHED,
]


def drive_case(
    c: Complaint,
    target: str,
    *,
    office,
    handler,
    reviewer=None,
    unit=None,
    finding: str = Finding.TRUE,
    reply: str = "",
) -> Complaint:
    """Move a case through the services until it reaches ``target`` (a stage-closed target
    closes the stage with a follow-up 30 days ahead; rejected rejects a received case).
    ``reply``: the reply to the reporter written when closing (a standard one when they asked
    for a reply and none is given)."""
    reviewer = reviewer or office
    c.refresh_from_db()
    if target == Status.REJECTED:
        return services.complaint_reject(
            actor=office, complaint=c, expected_version=None, reason="insufficient"
        )
    while True:
        c.refresh_from_db()
        if c.status == target:
            return c
        if c.status == Status.RECEIVED:
            services.complaint_transfer(
                actor=office, complaint=c, expected_version=None, units=[unit or c.district]
            )
        elif c.status == Status.TRANSFERRED:
            services.complaint_start(actor=handler, complaint=c, expected_version=None)
        elif c.status == Status.INVESTIGATING:
            services.complaint_handle(
                actor=handler,
                complaint=c,
                expected_version=None,
                result=services.Handling(
                    finding=finding,
                    investigation="经现场核查，群众反映问题属实。",
                    handling="责令停产整改，已完成整改。" if finding != Finding.FALSE else "",
                    accountability="约谈企业负责人。",
                    ordered_rectify=True,
                ),
            )
        elif c.status == Status.HANDLED:
            if c.needs_review and c.reviewed_at is None:
                services.complaint_review(
                    actor=reviewer, complaint=c, expected_version=None, approve=True
                )
                continue
            stage = target == Status.STAGE_CLOSED
            services.complaint_close(
                actor=handler,
                complaint=c,
                expected_version=None,
                stage=stage,
                follow_up_due=timezone.localdate() + dt.timedelta(days=30) if stage else None,
                reply=reply
                or ("您反映的问题已核查处理，办理结果见本页。" if services.wants_reply(c) else ""),
            )
        elif c.status in (Status.CLOSED, Status.STAGE_CLOSED):
            services.complaint_publish(actor=handler, complaint=c, expected_version=None)
        else:
            raise AssertionError(f"cannot drive a {c.status} case to {target}")
