"""Pages of the reports app: export."""

from __future__ import annotations

urlpatterns: list = []
