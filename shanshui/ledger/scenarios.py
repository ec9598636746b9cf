"""Ledger scenarios: campaigns and tasks brought to any state through the services.

The demo data (demo.py) and the tests build on these, so a task "in public notice" is made the
way people would make one, with its events, reports and evidence, never by setting a status.
The small PNG and PDF files are real enough for the upload checks (file type, image metadata).
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanshui.ledger import services
from shanshui.ledger.models import (
    Campaign,
    CampaignKind,
    ChecklistItem,
    DeadlineKind,
    Status,
    Task,
    UnitRole,
)
from shanshui.ledger.services import UnitAssignment


def png_bytes(
    width: int = 4, height: int = 4, colour: tuple[int, int, int] = (31, 111, 80)
) -> bytes:
    """A real, minimal PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str = "evidence") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% "
        + text.encode()
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def photo(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def document(name: str = "整改报告.pdf", text: str = "evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def make_campaign(actor, *, code: str = "central-3", **kwargs) -> Campaign:
    defaults = dict(
        name="第三轮中央生态环境保护督察",
        kind=CampaignKind.CENTRAL,
        team="中央第六生态环境保护督察组",
        stay_start=dt.date(2024, 5, 8),
        stay_end=dt.date(2024, 6, 8),
        feedback_date=dt.date(2024, 8, 20),
        report_cycle="monthly",
        notice_days=10,
    )
    defaults.update(kwargs)
    return services.campaign_create(actor=actor, code=code, **defaults)


def make_task(
    actor,
    campaign: Campaign,
    *,
    code: str,
    implementing=None,
    lead=None,
    accepting=None,
    deadline: dt.date | None = None,
    deadline_kind: str = DeadlineKind.DATED,
    measures: tuple[str, ...] = ("排查问题清单", "完成整治", "建立长效机制"),
    title: str = "长江支流入河排污口整治不到位",
    is_public: bool = True,
    categories: tuple[str, ...] = ("water",),
) -> Task:
    units = []
    if lead is not None:
        units.append(UnitAssignment(lead, UnitRole.LEAD, "张伟", "副局长"))
    if implementing is not None:
        units.append(UnitAssignment(implementing, UnitRole.IMPLEMENTING, "周强", "副区长"))
    if accepting is not None:
        units.append(UnitAssignment(accepting, UnitRole.ACCEPTING))
    return services.task_create(
        actor=actor,
        campaign=campaign,
        code=code,
        title=title,
        problem=f"{title}：督察发现部分点位仍有污水直排。",
        target="入河排污口全部规范整治，水质稳定达标。",
        measures=measures,
        categories=categories,
        deadline_kind=deadline_kind,
        deadline=deadline
        if deadline or deadline_kind != DeadlineKind.DATED
        else timezone.localdate() + dt.timedelta(days=120),
        is_public=is_public,
        units=units,
    )


CHECKLIST_FILES = {
    "measures_done": "整改措施完成情况说明.pdf",
    "violations_punished": "行政处罚决定书.pdf",
    "standards_met": "监测报告.pdf",
    "lessons_applied": "举一反三排查台账.pdf",
    "mechanism": "长效管理制度.pdf",
    "files_complete": "整改档案目录.pdf",
}

ORDER = [
    Status.DRAFT,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.ACCEPTANCE_APPLIED,
    Status.RECHECKED,
    Status.ACCEPTED,
    Status.IN_PUBLIC_NOTICE,
    Status.SIGNED_OFF,
    Status.REOPENED,
]


def drive(task: Task, target: str, *, office, executor, lead_reviewer, acceptor=None) -> Task:
    """Move a task through the services, from its current state, until it reaches ``target``."""
    acceptor = acceptor or office
    if target == Status.WITHDRAWN:
        return services.task_withdraw(
            actor=office, task=task, expected_version=None, reason="录入有误"
        )
    task.refresh_from_db()
    start = ORDER.index(task.status) if task.status in ORDER else 0
    for state in ORDER[start + 1 : ORDER.index(target) + 1]:
        task.refresh_from_db()
        if state == Status.ASSIGNED:
            services.task_assign(actor=office, task=task, expected_version=None)
        elif state == Status.IN_PROGRESS:
            services.task_accept_assignment(actor=executor, task=task, expected_version=None)
        elif state == Status.ACCEPTANCE_APPLIED:
            numbers = {str(m.number): "done" for m in task.measures.all()}
            services.task_report(
                actor=executor,
                task=task,
                expected_version=None,
                text="各项措施已完成。",
                percent=100,
                measure_status=numbers,
                files=[photo()],
            )
            task.refresh_from_db()
            services.task_apply_acceptance(
                actor=executor,
                task=task,
                expected_version=None,
                summary="已按方案完成整改。",
                checklist={i.value: f"{i.label}：已落实。" for i in ChecklistItem},
                files={
                    i.value: [document(CHECKLIST_FILES[i.value], i.value)] for i in ChecklistItem
                },
            )
        elif state == Status.RECHECKED:
            services.task_recheck(
                actor=lead_reviewer,
                task=task,
                expected_version=None,
                passed=True,
                opinion="经现场复查，整改措施已落实，同意提请验收。",
            )
        elif state == Status.ACCEPTED:
            services.task_accept(
                actor=acceptor,
                task=task,
                expected_version=None,
                accepted_by_name="李验收",
                opinion="整改完成，资料齐全，同意验收。",
            )
        elif state == Status.IN_PUBLIC_NOTICE:
            services.task_start_notice(actor=office, task=task, expected_version=None)
        elif state == Status.SIGNED_OFF:
            # As if the notice had run its course: it ended yesterday.
            Task.objects.filter(pk=task.pk).update(
                notice_start=timezone.localdate()
                - dt.timedelta(days=task.campaign.notice_days + 1),
                notice_end=timezone.localdate() - dt.timedelta(days=1),
            )
            task.refresh_from_db()
            services.task_sign_off(actor=office, task=task, expected_version=None)
        elif state == Status.REOPENED:
            services.task_reopen(
                actor=office,
                task=task,
                expected_version=None,
                trigger="relapse",
                reason="群众反映问题反弹。",
            )
    task.refresh_from_db()
    return task
