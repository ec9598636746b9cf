"""The API answers what its OpenAPI schema says: schemathesis generates requests for every
operation of /api/v1/ from the schema, sends them in-process through the WSGI application as the
office (a personal access token), and checks each answer: never a server error, a status code
the operation declares, a body that matches the declared schema.

Bounded: a few examples per operation (SHANSHUI_SCHEMA_EXAMPLES, default 4), no shrinking, so
the whole run stays well under a minute. `make schema-test` runs it with more examples.
"""

from __future__ import annotations

import collections
import json
import os

import pydantic
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from shanshui.orgs.services import api_token_create

EXAMPLES = int(os.environ.get("SHANSHUI_SCHEMA_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()
schema.config.generation.update(max_examples=EXAMPLES)
# The schema's own examples and random fuzzing; the coverage phase (every boundary of every
# parameter) multiplies the run time by ten and is left to `make schema-test`.
PHASES = os.environ.get("SHANSHUI_SCHEMA_PHASES", "examples,fuzzing")
schema.config.phases.update(phases=PHASES.split(","))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request; the test's own
    transaction lives on it (Django's test client disconnects this signal the same way)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def office_token(personas):
    return api_token_create(user=personas.office, name="schema test")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_schema(case, office_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {office_token}"}, checks=CHECKS)


def test_schema_names_are_unique():
    """ninja puts every schema class under its bare class name in components/schemas: two
    different classes of one name (an ``OkOut`` in two apps) silently become one, and one
    operation's answer is described by the other's fields."""
    api.get_openapi_schema()  # imports every router
    by_name = collections.defaultdict(set)

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("shanshui.") and ".tests." not in sub.__module__:
                body = json.dumps(sub.model_json_schema(), sort_keys=True, default=str)
                by_name[sub.__name__].add(body)
            walk(sub)

    walk(pydantic.BaseModel)
    clashes = sorted(name for name, bodies in by_name.items() if len(bodies) > 1)
    assert clashes == []
