"""Demo data of the reports app: the default bulletin template (通报模板)."""

from __future__ import annotations

from shanshui.reports.bulletin import DEFAULT_CLOSING, DEFAULT_OPENING
from shanshui.reports.models import BulletinTemplate

DEFAULT_TEMPLATE_NAME = "督察整改进展通报"


def load_bulletin_templates() -> list[str]:
    """Create the default bulletin template unless a template of that name exists (idempotent:
    texts the office has edited are left alone). Returns a line per thing created."""
    _template, created = BulletinTemplate.objects.get_or_create(
        name=DEFAULT_TEMPLATE_NAME,
        defaults={
            "opening": DEFAULT_OPENING,
            "closing": DEFAULT_CLOSING,
            "copy_to": "市委办公厅，市人大常委会办公厅，市政府办公厅，市政协办公厅，市纪委监委机关",
            "is_default": not BulletinTemplate.objects.filter(is_default=True).exists(),
        },
    )
    return [f"bulletin template {DEFAULT_TEMPLATE_NAME}"] if created else []
