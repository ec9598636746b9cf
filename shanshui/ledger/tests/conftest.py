import datetime as dt

import pytest
from django.utils import timezone

from shanshui.ledger.scenarios import drive, make_campaign, make_task


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def task_in(personas, campaign):
    """``task_in(state, **kwargs)`` → a fresh task of 万州区 (implementing), led by
    市生态环境局 and accepted by the office, brought to ``state`` through the services."""
    counter = {"n": 0}

    def make(state, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("implementing", personas.unit_a)
        kwargs.setdefault("lead", personas.unit_department)
        kwargs.setdefault("accepting", personas.unit_office)
        task = make_task(personas.office, campaign, code=f"T{counter['n']:03d}", **kwargs)
        return drive(
            task,
            state,
            office=personas.office,
            executor=personas.district_a,
            lead_reviewer=personas.department,
        )

    return make


@pytest.fixture
def today(ordinary_day):
    """Today, on a clock stopped on an ordinary working day: a test that asks for today depends
    on it, and must not see it change at midnight or meet a holiday by chance."""
    return timezone.localdate()


@pytest.fixture
def in_days(today):
    return lambda n: today + dt.timedelta(days=n)
