"""Pages of the reports app: bulletin."""

from __future__ import annotations

urlpatterns: list = []
