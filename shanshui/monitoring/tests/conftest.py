"""Fixtures of the monitoring tests."""

from __future__ import annotations

import pytest
from django.utils import translation

from shanshui.monitoring.tests.loading_helpers import make_stations


@pytest.fixture
def stations(db):
    return make_stations()


@pytest.fixture
def english():
    """Messages are compared in English; the Chinese catalogue is tested separately."""
    with translation.override("en"):
        yield
