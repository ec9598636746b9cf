"""The source article (../shared/seed/ beside the project), read in place, never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "seed"


def seed_text() -> str:
    files = sorted(SEED_DIR.glob("000_*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"The seed article is missing from {SEED_DIR}")
        pytest.skip("the seed article (../shared/seed/) is not beside this checkout")
    return files[0].read_text(encoding="utf-8")
