"""Logs as one JSON object per line, each carrying the request it was written in. 结构化日志

Log collectors (Loki, Elasticsearch, the platform's own) read a JSON line without a parsing rule;
the request id ties together the proxy's access log, the app's lines and the client's report of
a failure (it is echoed in the ``X-Request-ID`` response header).

The request being served is held in a context variable set by
``shanshui.lib.observability.RequestMiddleware``; a line written outside a request has no
request fields.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

# The request being served in this thread (or task), for the log lines written while serving it.
current_request: contextvars.ContextVar = contextvars.ContextVar("shanshui_request", default=None)

# Attributes every LogRecord has; anything else was passed with ``extra=`` and goes in the line.
_STANDARD = set(logging.LogRecord("x", logging.INFO, "x", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request",
}


def request_fields(request) -> dict:
    """request_id, path and the user id of ``request``, as far as they are known.

    The user is read only when something in the request already loaded it: a log line must not
    cost a session and a user query (nor fail when the database is down).
    """
    if request is None:
        return {}
    fields = {
        "request_id": getattr(request, "request_id", None),
        "method": request.method,
        "path": request.path,
    }
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)  # SimpleLazyObject until something reads it
    if wrapped is not None and hasattr(wrapped, "is_authenticated"):
        fields["user_id"] = wrapped.pk if wrapped.is_authenticated else None
    return fields


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the request's fields, anything given with ``extra=``,
    and the traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django's request logger passes the request itself; otherwise the one being served.
        request = getattr(record, "request", None) or current_request.get()
        if request is not None and hasattr(request, "path"):
            line.update(request_fields(request))
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
