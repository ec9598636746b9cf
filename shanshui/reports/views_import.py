"""Pages of the reports app: import."""

from __future__ import annotations

urlpatterns: list = []
