"""Pages of the reports app: dashboard."""

from __future__ import annotations

urlpatterns: list = []
