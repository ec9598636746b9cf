"""Bulletins (通报): the ledger's figures for a campaign and period, as a Word document laid out
like a Chinese government 通报 and an Excel annex with the same numbers.

Three steps, kept apart so each can be tested alone:

- ``collect(user, campaign=, period=)`` (``gather``) asks ``figures`` — the one module that
  computes the dashboard's and the bulletin's numbers — and keeps everything that will be
  printed in a plain ``BulletinData`` (``data``; no queries after this point);
- ``render_docx(data, template, number=, issued_on=)`` (``word``, with the main text in
  ``body`` and the styles in the shipped ``styles.docx``) writes the .docx;
- ``render_annex_xlsx(data)`` (``annex``) writes the .xlsx annex.

The document's text is Chinese whatever the user's language: it is an official document, not
part of the interface. What the office may change without code (issuing body, number prefix,
title, addressees, opening and closing paragraphs, 抄送) lives in ``BulletinTemplate``; those
texts may use the placeholders in ``PLACEHOLDERS`` (docs/reports.md lists them).

Callers use this package's names (``bulletin.collect``, ``bulletin.render_docx`` …), which
also lets a test replace one step.
"""

from __future__ import annotations

from shanshui.reports.bulletin.annex import XLSX_OVERDUE_FILL, XLSX_RED_FILL, render_annex_xlsx
from shanshui.reports.bulletin.body import (
    EMPTY_DEPARTMENTS,
    EMPTY_DISTRICTS,
    EMPTY_OVERDUE,
    EMPTY_SIGNED_OFF,
    EMPTY_URGES,
)
from shanshui.reports.bulletin.data import (
    DEFAULT_CLOSING,
    DEFAULT_OPENING,
    PLACEHOLDERS,
    BulletinData,
    SignedOffRow,
    TaskRow,
    UnitRow,
    UrgeRow,
    cn_date,
    fill,
    percent,
    unknown_placeholders,
)
from shanshui.reports.bulletin.gather import collect
from shanshui.reports.bulletin.word import RED, render_docx

__all__ = [
    "DEFAULT_CLOSING",
    "DEFAULT_OPENING",
    "EMPTY_DEPARTMENTS",
    "EMPTY_DISTRICTS",
    "EMPTY_OVERDUE",
    "EMPTY_SIGNED_OFF",
    "EMPTY_URGES",
    "PLACEHOLDERS",
    "RED",
    "XLSX_OVERDUE_FILL",
    "XLSX_RED_FILL",
    "BulletinData",
    "SignedOffRow",
    "TaskRow",
    "UnitRow",
    "UrgeRow",
    "cn_date",
    "collect",
    "fill",
    "percent",
    "render_annex_xlsx",
    "render_docx",
    "unknown_placeholders",
]
