"""From a meeting's documents to ledger tasks (会议部署 → 拉条挂账): ingest, review, commit.

Only the rectification office works here. A document is kept as it arrived beside its cleaned
text; its directives are found once at ingestion (``extract.py``) with units and categories
suggested; the office reviews them (edit, merge, split, drop, units, deadlines) and commits: one
ledger task per directive kept, through the ledger's own services, under the meeting's campaign
of kind "meeting". Every change is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.directives import extract, normalize, sources
from shanshui.directives.models import Directive, Document, Meeting, MeetingKind, NormalizeMode
from shanshui.ledger import services as ledger
from shanshui.ledger.models import Campaign, CampaignKind, Category, DeadlineKind, UnitRole
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import UnitLookupError, UnitResolver
from shanshui.orgs.services import audit

MAX_TEXT = 2_000_000  # characters of a pasted or extracted document
_PARKED = 1_000_000  # above any directive number while a split renumbers
TITLE_MAX = 200


def _require_office(actor) -> None:
    scope_for(actor).require_office()


def _unreadable(exc: sources.UnreadableDocument) -> ValidationError:
    messages = {
        "encoding": _("The text file is in none of the encodings UTF-8, GB18030 and Big5."),
        "docx": _("The Word file cannot be opened; save it again as .docx."),
        "archive": _("Of compressed files only Word documents (.docx) can be read."),
        "binary": _("This file is not a text, Word (.docx) or web page (.html) document."),
        "size": _("The file is larger than 20 MB."),
    }
    return ValidationError({"upload": messages.get(exc.code, messages["binary"])})


# --- meetings and documents ------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor, name: str, date: dt.date, kind: str, is_demo: bool = False) -> Meeting:
    _require_office(actor)
    meeting = Meeting(name=name.strip(), date=date, kind=kind, created_by=actor, is_demo=is_demo)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Choose the kind of meeting.")})
    meeting.full_clean(exclude=["campaign", "created_by"])
    meeting.save()
    audit(actor=actor, action="directives.meeting_create", obj=meeting, summary=str(meeting))
    return meeting


def read_upload(upload) -> sources.ReadDocument:
    """The text of an uploaded file (.txt in any common Chinese encoding, .docx, .html)."""
    data = upload.read(sources.MAX_BYTES + 1)
    try:
        return sources.read_document(data, getattr(upload, "name", "") or "")
    except sources.UnreadableDocument as exc:
        raise _unreadable(exc) from exc


@transaction.atomic
def document_ingest(
    *,
    actor,
    meeting: Meeting,
    title: str,
    text: str = "",
    upload=None,
    mode: str = NormalizeMode.FULL,
) -> Document:
    """Take in a document (pasted ``text`` or an ``upload``), clean it and find its directives."""
    _require_office(actor)
    if mode not in NormalizeMode.values:
        raise ValidationError({"mode": _("Choose how the text is cleaned.")})
    if upload is not None:
        read = read_upload(upload)
        raw, kind, encoding, name = read.text, read.kind, read.encoding, upload.name or ""
    else:
        raw, kind, encoding, name = text, "paste", "", ""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not raw.strip():
        field = "upload" if upload is not None else "text"
        raise ValidationError({field: _("The document has no text.")})
    if len(raw) > MAX_TEXT:
        raise ValidationError({"text": _("The document is longer than 2,000,000 characters.")})
    cleaned = normalize.normalize(raw, mode=mode)
    title = (title or "").strip() or cleaned.text.strip().split("\n", 1)[0][:TITLE_MAX]
    document = Document.objects.create(
        meeting=meeting,
        title=title[:TITLE_MAX],
        original_name=name[:200],
        source_kind=kind,
        encoding=encoding,
        raw_text=raw,
        mode=mode,
        text=cleaned.text,
        change_counts=cleaned.counts(),
        created_by=actor,
    )
    _store_directives(document, find_directives(cleaned.text))
    audit(
        actor=actor,
        action="directives.document_ingest",
        obj=document,
        summary=document.title,
        data={"kind": kind, "encoding": encoding, "mode": mode, "changes": document.change_counts},
    )
    return document


@transaction.atomic
def document_ingest_new_meeting(
    *, actor, name: str, date: dt.date, kind: str, **document
) -> Document:
    """A document of a meeting named at the same time: both or neither."""
    meeting = meeting_create(actor=actor, name=name, date=date, kind=kind)
    return document_ingest(actor=actor, meeting=meeting, **document)


def find_directives(text: str) -> list[extract.Directive]:
    """The directives of a cleaned text, with units and categories suggested from the office's
    keyword tables (settings SHANSHUI_DIRECTIVE_UNIT_KEYWORDS / _CATEGORY_KEYWORDS; unset, the
    defaults of :mod:`extract`)."""
    return extract.extract_directives(
        text,
        unit_keywords=getattr(settings, "SHANSHUI_DIRECTIVE_UNIT_KEYWORDS", None),
        category_keywords=getattr(settings, "SHANSHUI_DIRECTIVE_CATEGORY_KEYWORDS", None),
    )


def _store_directives(document: Document, found: Sequence[extract.Directive]) -> None:
    resolver = UnitResolver()
    rows: list[Directive] = []
    units_for: list[list[Unit]] = []
    for n, d in enumerate(found, 1):
        units = []
        for name in d.units:
            try:
                unit = resolver.resolve(name)
            except UnitLookupError:
                continue  # a suggestion the unit register does not know is left out
            if unit not in units:
                units.append(unit)
        rows.append(
            Directive(
                document=document,
                number=n,
                speaker=d.speaker[:40],
                sentence=d.text,
                text=d.text,
                clauses=d.clauses,
                paragraph=d.paragraph,
                start=d.start,
                end=d.end,
                explicit=d.explicit,
                suggested_units=d.units,
                lead=units[0] if units else None,
                categories=d.categories,
            )
        )
        units_for.append(units[1:])
    Directive.objects.bulk_create(rows)
    by_index = {i: row for i, row in enumerate(rows)}
    links = []
    for d, row in zip(found, rows, strict=True):
        if d.continues is not None and d.continues in by_index:
            row.continues = by_index[d.continues]
            links.append(row)
    Directive.objects.bulk_update(links, ["continues"])
    through = Directive.responsible.through
    through.objects.bulk_create(
        [
            through(directive_id=row.pk, unit_id=unit.pk)
            for row, units in zip(rows, units_for, strict=True)
            for unit in units
        ]
    )


# --- review ----------------------------------------------------------------------------------


def _editable(directive: Directive) -> None:
    if directive.task_id:
        raise ValidationError(
            _("Directive %(n)s has become a task; change the task instead.")
            % {"n": directive.number}
        )


@transaction.atomic
def directive_update(
    *,
    actor,
    directive: Directive,
    text: str,
    lead: Unit | None,
    responsible: Sequence[Unit],
    categories: Sequence[str],
    deadline_kind: str,
    deadline: dt.date | None,
    dropped: bool = False,
) -> Directive:
    _require_office(actor)
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    _editable(directive)
    text = text.strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("A directive needs its text.")
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        errors["categories"] = _("Choose categories from the list.")
    if deadline_kind not in DeadlineKind.values:
        errors["deadline_kind"] = _("Choose the kind of deadline.")
    if errors:
        raise ValidationError(errors)
    before = _snapshot(directive)
    directive.text = text
    directive.clauses = extract.clauses(text)
    directive.lead = lead
    directive.categories = list(dict.fromkeys(categories))
    directive.deadline_kind = deadline_kind
    directive.deadline = deadline if deadline_kind == DeadlineKind.DATED else None
    directive.dropped = dropped
    directive.save()
    directive.responsible.set([u for u in responsible if u != lead])
    after = _snapshot(directive)
    audit(
        actor=actor,
        action="directives.directive_update",
        obj=directive,
        summary=directive.text[:120],
        data={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return directive


def _snapshot(d: Directive) -> dict:
    return {
        "text": d.text,
        "lead": d.lead_id,
        "responsible": sorted(d.responsible.values_list("pk", flat=True)) if d.pk else [],
        "categories": list(d.categories),
        "deadline_kind": d.deadline_kind,
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "dropped": d.dropped,
    }


@transaction.atomic
def directive_merge_up(*, actor, directive: Directive) -> Directive:
    """Join ``directive`` to the one before it (one task for both); returns the merged one."""
    _require_office(actor)
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    previous = (
        Directive.objects.select_for_update()
        .filter(document_id=directive.document_id, number__lt=directive.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        raise ValidationError(_("The first directive has none before it to join."))
    _editable(directive)
    _editable(previous)
    previous.text = f"{previous.text.rstrip()}{directive.text.strip()}"
    previous.sentence = f"{previous.sentence.rstrip()}{directive.sentence.strip()}"
    previous.clauses = extract.clauses(previous.text)
    previous.end = max(previous.end, directive.end)
    previous.categories = list(dict.fromkeys([*previous.categories, *directive.categories]))
    previous.suggested_units = list(
        dict.fromkeys([*previous.suggested_units, *directive.suggested_units])
    )
    if previous.lead_id is None:
        previous.lead_id = directive.lead_id
    previous.save()
    extra = [u for u in directive.responsible.all() if u.pk != previous.lead_id]
    if directive.lead_id and directive.lead_id != previous.lead_id:
        extra.append(directive.lead)
    previous.responsible.add(*extra)
    Directive.objects.filter(continues=directive).update(continues=previous)
    number = directive.number
    directive.delete()
    audit(
        actor=actor,
        action="directives.directive_merge",
        obj=previous,
        summary=_("Directive %(n)s joined to %(m)s") % {"n": number, "m": previous.number},
    )
    return previous


@transaction.atomic
def directive_split(*, actor, directive: Directive, before_clause: int) -> Directive:
    """Cut ``directive`` before its clause number ``before_clause`` (1-based, from 2); returns
    the new second part, numbered right after the first."""
    _require_office(actor)
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    _editable(directive)
    parts = extract.clauses(directive.text)
    if not 2 <= before_clause <= len(parts):
        raise ValidationError(
            {
                "before_clause": _("Choose a clause between 2 and %(n)s.") % {"n": len(parts)}
                if len(parts) > 1
                else _("This directive has one clause only.")
            }
        )
    first, second = parts[: before_clause - 1], parts[before_clause - 1 :]
    directive.text = "，".join(first) + "。"
    directive.clauses = first
    directive.save()
    # The later ones move up one, in two statements that keep the numbers unique at every
    # step: out past any real number (shifted by one), then back.
    siblings = Directive.objects.filter(document_id=directive.document_id)
    siblings.filter(number__gt=directive.number).update(number=F("number") + 1 + _PARKED)
    siblings.filter(number__gt=_PARKED).update(number=F("number") - _PARKED)
    new = Directive.objects.create(
        document_id=directive.document_id,
        number=directive.number + 1,
        speaker=directive.speaker,
        sentence=directive.sentence,
        text="，".join(second) + "。",
        clauses=second,
        paragraph=directive.paragraph,
        start=directive.start,
        end=directive.end,
        explicit=False,
        continues=directive,
        suggested_units=extract.suggest_units(
            "，".join(second), getattr(settings, "SHANSHUI_DIRECTIVE_UNIT_KEYWORDS", None)
        ),
        lead=directive.lead,
        categories=extract.suggest_categories("，".join(second)) or directive.categories,
        deadline_kind=directive.deadline_kind,
        deadline=directive.deadline,
    )
    new.responsible.set(directive.responsible.all())
    audit(
        actor=actor,
        action="directives.directive_split",
        obj=directive,
        summary=_("Directive %(n)s split before clause %(c)s")
        % {"n": directive.number, "c": before_clause},
    )
    return new


# --- commit: directives → ledger tasks -------------------------------------------------------


def _campaign_for(actor, meeting: Meeting) -> Campaign:
    if meeting.campaign_id:
        return meeting.campaign
    base = f"meeting-{meeting.date:%Y%m%d}"
    code, n = base, 1
    while Campaign.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    campaign = ledger.campaign_create(
        actor=actor,
        code=code,
        name=meeting.name[:200],
        kind=CampaignKind.MEETING,
        feedback_date=meeting.date,
        is_demo=meeting.is_demo,
    )
    meeting.campaign = campaign
    meeting.save(update_fields=["campaign"])
    return campaign


def task_title(text: str) -> str:
    """A task's title from its directive: the first clause without the opening 要."""
    first = (extract.clauses(text) or [text])[0]
    if first.startswith("要") and len(first) > 2:
        first = first[1:]
    return first.rstrip("。！？")[:TITLE_MAX]


def _commit_errors(directive: Directive, today: dt.date) -> list[str]:
    errors = []
    if directive.lead_id is None and not directive.responsible.exists():
        errors.append(_("name a lead or a responsible unit"))
    if directive.deadline_kind == DeadlineKind.DATED:
        if directive.deadline is None:
            errors.append(_("give the deadline"))
        elif directive.deadline < today:
            errors.append(_("the deadline has passed"))
    return errors


@transaction.atomic
def document_commit(*, actor, document: Document) -> list:
    """Create one ledger task per directive kept and not yet a task; all or none."""
    _require_office(actor)
    document = Document.objects.select_for_update().get(pk=document.pk)
    pending = list(
        document.directives.filter(dropped=False, task__isnull=True)
        .select_related("lead")
        .prefetch_related("responsible")
        .order_by("number")
    )
    if not pending:
        raise ValidationError(_("No directive is waiting to become a task."))
    today = timezone.localdate()
    problems = []
    for d in pending:
        errors = _commit_errors(d, today)
        if errors:
            problems.append(
                _("Directive %(n)s: %(errors)s")
                % {"n": d.number, "errors": _("; ").join(str(e) for e in errors)}
            )
    if problems:
        raise ValidationError(problems)
    campaign = _campaign_for(actor, document.meeting)
    taken = set(campaign.tasks.values_list("code", flat=True))
    new_tasks = []
    for d in pending:
        code = f"{document.pk}-{d.number:02d}"
        while code in taken:
            code += "a"
        taken.add(code)
        units = []
        if d.lead_id:
            units.append(ledger.UnitAssignment(d.lead, UnitRole.LEAD))
        units += [
            ledger.UnitAssignment(u, UnitRole.RESPONSIBLE)
            for u in d.responsible.all()
            if u.pk != d.lead_id
        ]
        clauses = d.clauses or extract.clauses(d.text)
        new_tasks.append(
            ledger.NewTask(
                code=code,
                title=task_title(d.text),
                problem=d.text,
                measures=clauses[1:] if len(clauses) > 1 else (),
                categories=d.categories or [Category.OTHER],
                deadline_kind=d.deadline_kind,
                deadline=d.deadline,
                units=units,
                note={
                    "source": {
                        "kind": "directive",
                        "document": document.pk,
                        "directive": d.pk,
                        "speaker": d.speaker,
                        "sentence": d.sentence,
                    }
                },
            )
        )
    tasks = ledger.tasks_create(actor=actor, campaign=campaign, tasks=new_tasks)
    for d, task in zip(pending, tasks, strict=True):
        d.task = task
    Directive.objects.bulk_update(pending, ["task"])
    document.committed_at = timezone.now()
    document.save(update_fields=["committed_at"])
    audit(
        actor=actor,
        action="directives.document_commit",
        obj=document,
        summary=document.title,
        data={"tasks": [t.pk for t in tasks], "campaign": campaign.code},
    )
    return tasks
