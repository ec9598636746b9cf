"""/api/v1/ endpoints of the reports app: the ledger import (synchronous, all or nothing)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, UploadedFile
from ninja import Status as NinjaStatus

from shanshui.ledger.models import Campaign
from shanshui.orgs.scope import scope_for
from shanshui.reports import ledger_import

router = Router(tags=["reports"])


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportColumnOut(Schema):
    index: int
    label: str
    field: str


class LedgerImportOut(Schema):
    ok: bool
    dry_run: bool
    sheet: str
    total_rows: int
    created: list[dict]
    changed: list[dict]
    unchanged: int
    columns: list[ImportColumnOut]
    errors: list[ImportErrorOut]


@router.post(
    "/campaigns/{campaign_id}/ledger-import",
    response={200: LedgerImportOut, 400: LedgerImportOut},
    summary="Import a rectification plan or ledger (.xlsx), all or nothing (office)",
    description=(
        "Columns are found by their headers; `mapping` (JSON object: 0-based column index → "
        'field, "" to ignore) corrects them. Fields: ' + ", ".join(ledger_import.SYNONYMS) + ". "
        "With `dry_run` (the default) nothing is written and the answer lists what would be "
        "created or changed and every error by row and column."
    ),
)
def ledger_import_endpoint(
    request,
    campaign_id: int,
    file: UploadedFile = File(...),
    dry_run: bool = Form(True),
    mapping: str = Form(""),
):
    if not scope_for(request.user).sees_all:
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    parsed = None
    if mapping.strip():
        try:
            raw = json.loads(mapping)
            parsed = {int(k): str(v or "") for k, v in raw.items()}
        except (ValueError, AttributeError, TypeError) as exc:
            raise ValidationError({"mapping": "not a JSON object of column → field"}) from exc
    result = ledger_import.run_import(
        actor=request.user, campaign=campaign, fileobj=file, dry_run=dry_run, mapping=parsed
    )
    body = result.to_dict()
    body["errors"] = [
        {"row": e["row"], "column": e["column"], "message": e["message"]} for e in body["errors"]
    ]
    return NinjaStatus(200 if result.ok else 400, body)
