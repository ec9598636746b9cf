"""Business actions of the reports app: ledger import jobs, bulletins and their templates.

Import jobs: an upload is stored and checked (dry run) as an :class:`ImportJob`; the user may
correct the column mapping and check again, then import. Small sheets run in the request;
large ones are queued as a background task (django-tasks, run by the worker), with progress the
page polls. The job follows its task: when the task failed outside the import (its worker was
killed), the job shows failed with a clear message instead of running for ever.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task as background_task

from shanshui.jobs import services as jobs
from shanshui.ledger.models import Campaign
from shanshui.lib import mediastore, sheets
from shanshui.orgs.scope import scope_for
from shanshui.orgs.services import audit
from shanshui.reports import bulletin as document
from shanshui.reports import figures, ledger_import
from shanshui.reports.models import (
    Bulletin,
    BulletinRequest,
    BulletinTemplate,
    ImportJob,
    JobStatus,
)

logger = logging.getLogger(__name__)

# --- import jobs -----------------------------------------------------------------------------


def _require_office(actor) -> None:
    scope_for(actor).require_office(_("Only the rectification office may import a ledger."))


def _background_bytes() -> int:
    # Above this size a sheet (≈ 1,000 rows) is checked and imported in the background.
    return getattr(settings, "SHANSHUI_IMPORT_BACKGROUND_BYTES", 200 * 1024)


def import_job_create(*, actor, campaign: Campaign, upload) -> ImportJob:
    """Store an uploaded sheet and check it (a dry run with the detected columns)."""
    _require_office(actor)
    stream, name, opened = sheets.as_stream(upload, ledger_import.MAX_BYTES)
    try:
        try:
            sheets.check_workbook(stream, name, max_bytes=ledger_import.MAX_BYTES)
        except sheets.SheetError as exc:
            raise ValidationError({"file": exc.message}) from exc
        data = stream.read()
    finally:
        if opened:
            stream.close()
    digest = hashlib.sha256(data).hexdigest()
    job = ImportJob(
        campaign=campaign,
        created_by=actor,
        original_name=(name or "ledger.xlsx")[-200:],
        sha256=digest,
        dry_run=True,
    )
    try:
        mediastore.save_field(job.file, f"{digest[:16]}.xlsx", data)
    except mediastore.StoreUnavailable as exc:
        raise ValidationError({"file": exc.message}, code="store_unavailable") from exc
    job.save()
    _dispatch(job, size=len(data))
    return job


def import_job_again(
    *,
    actor,
    job: ImportJob,
    dry_run: bool,
    mapping: dict | None,
    units: dict[str, list] | None = None,
) -> ImportJob:
    """Check the same file again with a corrected mapping, or import it (``dry_run=False``).

    ``units`` chooses the units of each class of units the sheet names without saying which
    ("各有关区县" → unit ids), once for the whole sheet; it is kept in the job's mapping under
    "units", and None keeps the choice the mapping already has. Importing needs a clean check
    of the same file with the same mapping and the same choice first."""
    _require_office(actor)
    mapping = dict(mapping if mapping is not None else job.mapping)
    if units is not None:
        mapping[UNITS_KEY] = units
    elif UNITS_KEY not in mapping and UNITS_KEY in job.mapping:
        mapping[UNITS_KEY] = job.mapping[UNITS_KEY]
    mapping = _clean_mapping(mapping)
    if not dry_run:
        checked = (
            ImportJob.objects.filter(
                campaign=job.campaign,
                sha256=job.sha256,
                dry_run=True,
                status=JobStatus.DONE,
                mapping=mapping,
            )
            .order_by("-pk")
            .first()
        )
        if checked is None or not checked.result.get("ok"):
            raise ValidationError(
                _("Check the sheet with this column mapping first; import only a clean check.")
            )
    new = ImportJob.objects.create(
        campaign=job.campaign,
        created_by=actor,
        original_name=job.original_name,
        sha256=job.sha256,
        file=job.file.name,
        mapping=mapping,
        dry_run=dry_run,
    )
    _dispatch(new, size=job.file.size)
    return new


UNITS_KEY = "units"  # in a job's mapping: a class of units as written → the unit ids chosen
MAX_CLASSES = 50


def _clean_units(units) -> dict[str, list[int]]:
    invalid = ValidationError(_("The units chosen are not valid."))
    if not isinstance(units, dict) or len(units) > MAX_CLASSES:
        raise invalid
    out = {}
    for name, ids in units.items():
        if not isinstance(name, str) or not 0 < len(name) <= 200 or not isinstance(ids, list):
            raise invalid
        if len(ids) > 500 or not all(str(i).isdigit() and 0 < int(i) < 2**31 for i in ids):
            raise invalid
        if ids:
            out[name] = sorted({int(i) for i in ids})
    return out


def _clean_mapping(mapping: dict | None) -> dict:
    out = {}
    for key, value in (mapping or {}).items():
        if key == UNITS_KEY:
            units = _clean_units(value)
            if units:
                out[UNITS_KEY] = units
            continue
        try:
            index = int(key)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("The column mapping is not valid.")) from exc
        if value and value not in ledger_import.SYNONYMS:
            raise ValidationError(_("The column mapping is not valid."))
        if not 0 <= index < sheets.MAX_COLUMNS:
            raise ValidationError(_("The column mapping is not valid."))
        out[str(index)] = value or ""
    return out


def _dispatch(job: ImportJob, *, size: int) -> None:
    """Small sheets run in the request; larger ones are queued once the job's row is
    committed (:func:`jobs.enqueue_on_commit`): a request that rolls back queues nothing, and
    the worker never looks for a job it cannot see yet (any task backend, any queue)."""
    if size <= _background_bytes():
        import_job_run(job.pk)
        job.refresh_from_db()
        return
    jobs.enqueue_on_commit(
        import_job_task,
        job_id=job.pk,
        record=lambda task_id: ImportJob.objects.filter(pk=job.pk).update(task_id=task_id),
    )
    job.refresh_from_db()


@background_task()
def import_job_task(job_id: int) -> str:
    """The background task of a large import (see :func:`import_job_run`)."""
    job = import_job_run(job_id)
    return job.status if job is not None else "taken"


def _progress_key(job_id: int) -> str:
    return f"shanshui:import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) while a job runs: the writing phase reports through the cache, because
    its database writes are invisible to other connections until the import commits."""
    hit = cache.get(_progress_key(job.pk))
    if hit:
        return hit
    return job.done_rows, job.total_rows


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a waiting job. Claimed with a conditional UPDATE, so two workers never run the
    same job; returns None when someone else has it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("campaign", "created_by").get(pk=job_id)
    last = [0]

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), (done, total), 3600)
        if not transaction.get_connection().in_atomic_block and done - last[0] >= 500:
            last[0] = done
            ImportJob.objects.filter(pk=job_id).update(done_rows=done, total_rows=total)

    try:
        with job.file.open("rb") as fh:
            result = ledger_import.run_import(
                actor=job.created_by,
                campaign=job.campaign,
                fileobj=fh,
                dry_run=job.dry_run,
                mapping={int(k): v for k, v in job.mapping.items() if k != UNITS_KEY} or None,
                units=job.mapping.get(UNITS_KEY),
                progress=progress,
            )
        job.result = result.to_dict()
        job.status = JobStatus.DONE
        job.total_rows = job.done_rows = result.total_rows
    except Exception:  # the job page must say it failed, whatever the cause
        logger.exception("ledger import job %s failed", job_id)
        job.status = JobStatus.FAILED
        job.result = {
            "ok": False,
            "errors": [
                {
                    "row": 0,
                    "column": "",
                    "message": _(
                        "The import stopped because of an internal error; nothing "
                        "was written. The administrators have been notified."
                    ),
                }
            ],
        }
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "total_rows", "done_rows", "finished_at"])
    cache.delete(_progress_key(job_id))
    return job


def import_job_sync(job: ImportJob) -> ImportJob:
    """A waiting or running job whose task failed outside it (its worker was killed, the task
    was lost, it was never queued) is marked failed, with a message saying nothing was
    written: an import commits only at its end (:func:`jobs.follow_task`)."""
    changed = jobs.follow_task(
        job,
        pending=JobStatus.PENDING,
        running=JobStatus.RUNNING,
        fail=lambda message: {
            "status": JobStatus.FAILED,
            "finished_at": timezone.now(),
            "result": {"ok": False, "errors": [{"row": 0, "column": "", "message": message}]},
        },
        lost=_STALE,
        failed=_TASK_FAILED,
        unqueued=_TASK_FAILED,
    )
    if changed:
        cache.delete(_progress_key(job.pk))
    return job


_STALE = gettext_lazy(
    "The import was interrupted: the background worker stopped while running it. Nothing was "
    "written; check or import the sheet again."
)
_TASK_FAILED = gettext_lazy(
    "The import could not be run in the background; nothing was written. Check or import the "
    "sheet again; if it happens again, tell the administrators."
)


# --- bulletins -------------------------------------------------------------------------------

BULLETIN_NUMBER_ATTEMPTS = 5


def _check_bulletin_order(actor, period) -> None:
    """The office only, and a whole period."""
    scope_for(actor).require_office(_("Only the rectification office may issue a bulletin."))
    if period.start is None or period.end is None:
        raise ValidationError(_("A bulletin covers a period with a first and a last day."))
    if period.end < period.start:
        raise ValidationError(
            {"period_end": _("The period cannot end before it starts.")}, code="invalid"
        )


def bulletin_issue(*, actor, campaign: Campaign, period, template=None):
    """Issue a bulletin (通报) for ``campaign`` and ``period`` (a figures.Period with both dates).

    The office only. The figures are collected once in the actor's scope; the document number
    is the next serial of the year (渝督改办〔2026〕N号), allocated under a lock on the year's rows
    and, for the year's first bulletin (no rows to lock), by retrying on the unique constraint
    when two are issued at the same moment. Both files are stored with the bulletin, and
    ``Bulletin.figures`` keeps the numbers printed. Without ``template``, the default template
    (or, if the office has none yet, the built-in texts) is used.
    """
    _check_bulletin_order(actor, period)
    if template is None:
        template = BulletinTemplate.objects.order_by("-is_default", "name").first()
    if template is None:
        template = BulletinTemplate(name="default")  # the model's defaults, not saved

    data = document.collect(actor, campaign=campaign, period=period)
    issued_on = timezone.localdate()
    year = issued_on.year
    xlsx = document.render_annex_xlsx(data)
    for _attempt in range(BULLETIN_NUMBER_ATTEMPTS):
        bulletin = Bulletin(
            campaign=campaign,
            template=template if template.pk else None,
            year=year,
            period_start=period.start,
            period_end=period.end,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                taken = Bulletin.objects.select_for_update().filter(year=year)
                bulletin.serial = max(taken.values_list("serial", flat=True), default=0) + 1
                number = f"{template.number_prefix}〔{year}〕{bulletin.serial}号"
                docx = document.render_docx(data, template, number=number, issued_on=issued_on)
                bulletin.figures = {
                    **data.to_json(),
                    "number": number,
                    "issued_on": issued_on.isoformat(),
                }
                stem = f"{year}-{bulletin.serial:04d}"
                try:
                    mediastore.save_field(bulletin.docx, f"{stem}.docx", docx)
                    mediastore.save_field(bulletin.xlsx, f"{stem}.xlsx", xlsx)
                except mediastore.StoreUnavailable as exc:
                    raise ValidationError(exc.message, code="store_unavailable") from exc
                bulletin.save()
                audit(
                    actor=actor,
                    action="bulletin.issue",
                    obj=bulletin,
                    summary=number,
                    data={"campaign": campaign.pk, "period": [str(period.start), str(period.end)]},
                )
        except IntegrityError:
            # Another bulletin took this number a moment ago: drop our files, take the next.
            for stored in (bulletin.docx, bulletin.xlsx):
                if stored.name:
                    stored.delete(save=False)
            continue
        return bulletin
    raise ValidationError(_("Could not allocate a bulletin number; try again."), code="busy")


def bulletin_request(*, actor, campaign: Campaign, period, template=None) -> BulletinRequest:
    """Order a bulletin: checked now (the office only, a whole period), issued by a background
    task (:func:`bulletin_request_task`) with :func:`bulletin_issue`, which checks again.
    The task is queued once the request's row is committed: a rolled back request queues
    nothing. With the immediate backend (the tests) it is issued at the commit — at once when
    the caller is not in a transaction."""
    _check_bulletin_order(actor, period)
    with transaction.atomic():
        order = BulletinRequest.objects.create(
            campaign=campaign,
            template=template,
            period_start=period.start,
            period_end=period.end,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            created_by=actor,
        )
        audit(
            actor=actor,
            action="bulletin.request",
            obj=order,
            summary=f"{campaign} {period.start}–{period.end}",
            data={
                "campaign": campaign.pk,
                "period": [str(period.start), str(period.end)],
                "template": template.pk if template is not None else None,
            },
        )
        jobs.enqueue_on_commit(
            bulletin_request_task,
            request_id=order.pk,
            record=lambda task_id: BulletinRequest.objects.filter(pk=order.pk).update(
                task_id=task_id
            ),
        )
    order.refresh_from_db()
    return order


@background_task()
def bulletin_request_task(request_id: int) -> str:
    """Issue the bulletin a :class:`BulletinRequest` orders; its outcome is kept on it."""
    claimed = BulletinRequest.objects.filter(pk=request_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return "taken"
    order = BulletinRequest.objects.select_related("campaign", "template", "created_by").get(
        pk=request_id
    )
    bulletin, errors = None, []
    try:
        with translation.override(order.language):
            bulletin = bulletin_issue(
                actor=order.created_by,
                campaign=order.campaign,
                period=figures.Period(order.period_start, order.period_end),
                template=order.template,
            )
    except ValidationError as exc:
        errors = exc.messages
    except PermissionDenied as exc:
        errors = [str(exc)]
    except Exception:  # the page must say it failed, whatever the cause
        logger.exception("bulletin request %s failed", request_id)
        errors = [str(_BULLETIN_FAILED)]
    BulletinRequest.objects.filter(pk=request_id).update(
        status=JobStatus.DONE if bulletin else JobStatus.FAILED,
        bulletin=bulletin,
        errors=errors,
        finished_at=timezone.now(),
    )
    return "issued" if bulletin else "failed"


def bulletin_request_sync(order: BulletinRequest) -> BulletinRequest:
    """A waiting or running request whose task failed outside it (its worker was killed, it was
    never queued) is marked failed, so its page says so instead of waiting for ever
    (:func:`jobs.follow_task`)."""
    jobs.follow_task(
        order,
        pending=JobStatus.PENDING,
        running=JobStatus.RUNNING,
        fail=lambda message: {
            "status": JobStatus.FAILED,
            "errors": [message],
            "finished_at": timezone.now(),
        },
        lost=_BULLETIN_LOST,
        failed=_BULLETIN_FAILED,
        unqueued=_BULLETIN_FAILED,
    )
    return order


_BULLETIN_FAILED = gettext_lazy(
    "The bulletin could not be issued because of an internal error. The administrators have "
    "been notified; try again later."
)
_BULLETIN_LOST = gettext_lazy(
    "The bulletin was interrupted: the background worker stopped while generating it. Look in "
    "the list of bulletins whether it was issued before issuing it again."
)


def bulletin_template_make_default(*, actor, template: BulletinTemplate) -> BulletinTemplate:
    """Make ``template`` the one a bulletin is issued with when none is chosen (the office only).

    The template marked before is unmarked first (its row locked), in the same transaction, so
    the constraint "one default at a time" (``reports_bulletintemplate_one_default``) holds at
    every step; of two users moving the default at the same moment, the second may fail on that
    constraint (IntegrityError) but never leaves two defaults.
    """
    if not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the rectification office may do this."))
    with transaction.atomic():
        previous = list(
            BulletinTemplate.objects.select_for_update()
            .filter(is_default=True)
            .exclude(pk=template.pk)
            .values_list("pk", flat=True)
        )
        BulletinTemplate.objects.filter(pk__in=previous).update(is_default=False)
        template.is_default = True
        template.save(update_fields=["is_default", "updated_at"])
        audit(
            actor=actor,
            action="bulletin_template.make_default",
            obj=template,
            summary=template.name,
            data={"previous": previous},
        )
    return template
