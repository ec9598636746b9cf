"""Request ids, JSON log lines, /metrics (internal only, summed across processes) and a database
outage answered 503 (/healthz: test_health.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory, override_settings

from shanshui.lib.jsonlog import JsonFormatter
from shanshui.lib.observability import RequestMiddleware, server_error
from shanshui.orgs.models import AuditEntry

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def json_lines():
    """The shanshui.request lines written during the test, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("shanshui.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_it_echoes_a_given_request_id_and_makes_one_otherwise(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-4f2a.1")
    assert response["X-Request-ID"] == "edge-4f2a.1"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz")["X-Request-ID"]
    # A header that could break a log line or grow without bound is replaced, not echoed.
    bogus = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 65)["X-Request-ID"]
    assert bogus != "x" * 65 and len(bogus) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID='a"b')["X-Request-ID"] != 'a"b'


def test_every_request_writes_one_json_line(personas, client_as, json_lines):
    client = client_as(personas.district_a)
    response = client.get("/ledger/", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 200
    (line,) = [x for x in json_lines() if x.get("path") == "/ledger/"]
    assert line["request_id"] == "req-123"
    assert line["user_id"] == personas.district_a.pk
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["logger"] == "shanshui.request"
    assert line["time"].endswith("+00:00") and line["message"] == "GET /ledger/ 200"


def test_a_log_line_outside_a_request_has_no_request_fields():
    record = logging.LogRecord(
        "shanshui.x", logging.WARNING, __file__, 1, "hello %s", ("办结",), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello 办结" and "request_id" not in line


def _metrics(client, **extra):
    return client.get("/metrics", **extra)


def test_metrics_are_internal(client, db):
    assert _metrics(client, REMOTE_ADDR="203.0.113.9").status_code == 404
    assert _metrics(client, REMOTE_ADDR="127.0.0.1").status_code == 200
    # Through a proxy the app was not told about, loopback is the proxy, not the client.
    assert (
        _metrics(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code
        == 404
    )
    with override_settings(TRUSTED_PROXIES=1):
        assert _metrics(client, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
        assert _metrics(client, HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200
    with override_settings(SHANSHUI_METRICS_TOKEN="s3cret-token", SHANSHUI_METRICS_ALLOW=[]):
        assert _metrics(client, REMOTE_ADDR="127.0.0.1").status_code == 404
        assert _metrics(client, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        ok = _metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
        assert ok.status_code == 200
    with override_settings(SHANSHUI_METRICS_ALLOW=["10.20.0.0/16"]):
        assert _metrics(client, REMOTE_ADDR="10.20.3.4").status_code == 200


def _value(text: str, prefix: str) -> float:
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{prefix} not in metrics")


def test_metrics_count_requests_by_view_and_lockouts_from_the_audit(client, db):
    label = 'shanshui_http_requests_total{method="GET",status="200",view="healthz"}'
    before = _metrics(client, REMOTE_ADDR="127.0.0.1").content.decode()
    start = _value(before, label) if label in before else 0
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page-at-all/")
    AuditEntry.objects.create(action="login.locked", summary="wanzhou")
    AuditEntry.objects.create(action="login.refused_locked", summary="wanzhou")
    AuditEntry.objects.create(action="login.refused_locked", summary="wanzhou")
    text = _metrics(client, REMOTE_ADDR="127.0.0.1").content.decode()
    assert _value(text, label) == start + 2
    assert 'status="404",view="<unresolved>"' in text
    assert (
        'shanshui_http_request_duration_seconds_bucket{le="0.5",method="GET",view="healthz"}'
        in text
    )
    assert _value(text, "shanshui_login_lockouts_total") == 1
    assert _value(text, "shanshui_login_refused_locked_total") == 2
    assert _value(text, "shanshui_metrics_database_up") == 1


def test_metrics_add_up_across_worker_processes(tmp_path):
    """gunicorn's workers are processes: each writes its own files, a scrape sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from shanshui.lib import metrics; metrics.observe_request('home', 'GET', 200, 0.2)"
    for _ in range(2):  # two workers, one request each
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True, timeout=60)
    read = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess;"
        "r = CollectorRegistry(); multiprocess.MultiProcessCollector(r);"
        "print(generate_latest(r).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", read],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    assert _value(out, 'shanshui_http_requests_total{method="GET",status="200",view="home"}') == 2
    assert (
        _value(out, 'shanshui_http_request_duration_seconds_count{method="GET",view="home"}') == 2
    )


def test_a_database_outage_is_a_503_page_not_a_500():
    factory = RequestFactory()
    middleware = RequestMiddleware(lambda request: None)
    page = middleware.process_exception(factory.get("/ledger/"), OperationalError("down"))
    assert page.status_code == 503 and page["Retry-After"]
    assert "服务暂时不可用" in page.content.decode()
    api = middleware.process_exception(factory.get("/api/v1/tasks"), InterfaceError("closed"))
    assert api.status_code == 503 and json.loads(api.content)["code"] == "unavailable"
    # Any other error is not the middleware's to answer.
    assert middleware.process_exception(factory.get("/"), ValueError("bug")) is None
    # Raised outside a view (another middleware saving the session): handler500 knows it too.
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert server_error(factory.get("/ledger/")).status_code == 503
    try:
        raise ValueError("bug")
    except ValueError:
        assert server_error(factory.get("/ledger/")).status_code == 500


def test_a_database_outage_inside_a_request_answers_503(personas, client_as, monkeypatch):
    client = client_as(personas.office)

    def down(self, *args, **kwargs):
        raise OperationalError("the database system is starting up")

    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get("/ledger/")
    assert response.status_code == 503
    assert response["X-Request-ID"]
