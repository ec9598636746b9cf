"""/api/v1/directives: clean a text, list its directives, and the office's meeting documents
(take one in, read it with its directives, make the tasks). The same services as the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja import Status as NinjaStatus

from shanshui.directives import selectors, services
from shanshui.directives.extract import extract_directives
from shanshui.directives.models import Document, MeetingKind, NormalizeMode
from shanshui.directives.normalize import normalize

router = Router(tags=["directives"])

Id = Path(..., ge=1, le=2**31 - 1)
MAX_TEXT = services.MAX_TEXT


class TextIn(Schema):
    text: str = Field(..., max_length=MAX_TEXT)
    mode: NormalizeMode = NormalizeMode.FULL


class ChangeOut(Schema):
    start: int
    end: int
    before: str
    after: str
    reason: str


class NormalizedOut(Schema):
    text: str
    changes: list[ChangeOut]


class FoundOut(Schema):
    speaker: str
    text: str
    clauses: list[str]
    paragraph: int
    sentence: int
    explicit: bool
    continues: int | None
    marker: str
    start: int
    end: int
    units: list[str]
    categories: list[str]


@router.post("/directives/normalize", response=NormalizedOut, summary="Clean a text")
def normalize_text(request, payload: TextIn):
    """Pinyin annotations removed (``strip``), then Traditional → Simplified (``t2s``), then
    full-width punctuation in Chinese context (``full``); ``changes`` in input offsets."""
    result = normalize(payload.text, mode=payload.mode)
    return {"text": result.text, "changes": result.changes}


@router.post("/directives/extract", response=list[FoundOut], summary="The directives of a text")
def extract(request, payload: TextIn):
    """The text is cleaned (``mode``) first; offsets are in the cleaned text."""
    text = normalize(payload.text, mode=payload.mode).text
    return [d.as_dict() for d in extract_directives(text)]


class MeetingIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    date: dt.date
    kind: MeetingKind = MeetingKind.INSPECTION


class DocumentIn(Schema):
    meeting_id: int | None = Field(None, ge=1, le=2**31 - 1)
    meeting: MeetingIn | None = None
    title: str = Field("", max_length=200)
    text: str = Field(..., min_length=1, max_length=MAX_TEXT)
    mode: NormalizeMode = NormalizeMode.FULL


class DirectiveOut(Schema):
    id: int
    number: int
    speaker: str
    text: str
    sentence: str
    clauses: list[str]
    explicit: bool
    continues_id: int | None
    dropped: bool
    lead_id: int | None
    responsible_ids: list[int]
    categories: list[str]
    deadline_kind: str
    deadline: dt.date | None
    task_id: int | None
    task_status: str | None


class DocumentOut(Schema):
    id: int
    meeting_id: int
    meeting: str
    meeting_date: dt.date
    title: str
    source_kind: str
    encoding: str
    mode: str
    text: str
    change_counts: dict[str, int]
    committed_at: dt.datetime | None
    campaign_id: int | None
    directives: list[DirectiveOut]


class DocumentRow(Schema):
    id: int
    meeting_id: int
    meeting: str
    meeting_date: dt.date
    title: str
    committed_at: dt.datetime | None


def _document_out(document: Document) -> dict:
    directives = selectors.directives_of(document)
    return {
        "id": document.pk,
        "meeting_id": document.meeting_id,
        "meeting": document.meeting.name,
        "meeting_date": document.meeting.date,
        "title": document.title,
        "source_kind": document.source_kind,
        "encoding": document.encoding,
        "mode": document.mode,
        "text": document.text,
        "change_counts": document.change_counts,
        "committed_at": document.committed_at,
        "campaign_id": document.meeting.campaign_id,
        "directives": [
            {
                "id": d.pk,
                "number": d.number,
                "speaker": d.speaker,
                "text": d.text,
                "sentence": d.sentence,
                "clauses": d.clauses,
                "explicit": d.explicit,
                "continues_id": d.continues_id,
                "dropped": d.dropped,
                "lead_id": d.lead_id,
                "responsible_ids": [u.pk for u in d.responsible.all()],
                "categories": d.categories,
                "deadline_kind": d.deadline_kind,
                "deadline": d.deadline,
                "task_id": d.task_id,
                "task_status": d.task.status if d.task_id else None,
            }
            for d in directives
        ],
    }


def _document(request, pk: int) -> Document:
    try:
        return selectors.document_for(request.user, pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


@router.get("/directives/documents", response=list[DocumentRow], summary="Meeting documents")
def documents(request):
    return [
        {
            "id": doc.pk,
            "meeting_id": m.pk,
            "meeting": m.name,
            "meeting_date": m.date,
            "title": doc.title,
            "committed_at": doc.committed_at,
        }
        for m in selectors.meetings_for(request.user)
        for doc in m.documents.all()
    ]


@router.post(
    "/directives/documents", response={201: DocumentOut}, summary="Take in a meeting document"
)
def document_create(request, payload: DocumentIn):
    """Give ``meeting_id`` of a known meeting or ``meeting`` (name, date, kind) for a new one."""
    document = {"title": payload.title, "text": payload.text, "mode": payload.mode}
    if payload.meeting_id:
        meeting = selectors.meetings_for(request.user).filter(pk=payload.meeting_id).first()
        if meeting is None:
            raise Http404
        created = services.document_ingest(actor=request.user, meeting=meeting, **document)
    elif payload.meeting:
        created = services.document_ingest_new_meeting(
            actor=request.user,
            name=payload.meeting.name,
            date=payload.meeting.date,
            kind=payload.meeting.kind,
            **document,
        )
    else:
        raise ValidationError({"meeting": _("Name the meeting, or choose one above.")})
    return NinjaStatus(201, _document_out(_document(request, created.pk)))


@router.get("/directives/documents/{pk}", response=DocumentOut, summary="A meeting document")
def document(request, pk: int = Id):
    return _document_out(_document(request, pk))


class CommitOut(Schema):
    task_ids: list[int]
    campaign_id: int


@router.post(
    "/directives/documents/{pk}/commit",
    response=CommitOut,
    summary="Make the reviewed directives ledger tasks",
)
def commit(request, pk: int = Id):
    tasks = services.document_commit(actor=request.user, document=_document(request, pk))
    return {"task_ids": [t.pk for t in tasks], "campaign_id": tasks[0].campaign_id}
