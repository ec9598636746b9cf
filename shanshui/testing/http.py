"""A small client for the JSON API (/api/v1/), the same for two transports.

``ClientApi`` goes through Django's test client, inside the test's rolled-back transaction: what
the API answers does not depend on the transport, and most API tests are about the answers.
``Api`` talks real HTTP (urllib) to pytest-django's ``live_server``, for the few tests where the
wire itself matters (the Authorization header through a WSGI server, multipart bodies and file
downloads as bytes on a socket); those tests need ``django_db(transaction=True)``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from django.test import Client


class Api:
    """Requests as a persona (by name), anonymously (None) or with a raw token string."""

    def __init__(self, base, tokens):
        self.base, self.tokens = base, tokens

    def send(self, who, path, *, method="GET", body=None, headers=None):
        """Returns (status, headers, raw bytes)."""
        url = self.base + "/api/v1" + path
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        if who:
            request.add_header("Authorization", f"Bearer {self.tokens.get(who, who)}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def get(self, who, path):
        status, _, raw = self.send(who, path)
        return status, json.loads(raw or b"null")

    def post(self, who, path, **payload):
        headers = {"Content-Type": "application/json"}
        body = json.dumps(payload).encode()
        status, _, raw = self.send(who, path, method="POST", body=body, headers=headers)
        return status, json.loads(raw or b"null")

    def upload(self, who, path, fields, files=()):
        """multipart/form-data; ``files`` holds (field, filename, bytes, content type)."""
        boundary = "----shanshui" + uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        for name, filename, content, ctype in files:
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {ctype or "application/pdf"}\r\n\r\n'
            )
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, _, raw = self.send(who, path, method="POST", body=body, headers=headers)
        return status, json.loads(raw or b"null")


class ClientApi(Api):
    """The same requests through Django's test client (no server, no extra transaction)."""

    def __init__(self, tokens):
        super().__init__("", tokens)

    def send(self, who, path, *, method="GET", body=None, headers=None):
        headers = dict(headers or {})
        content_type = headers.pop("Content-Type", "application/octet-stream")
        if who:
            headers["Authorization"] = f"Bearer {self.tokens.get(who, who)}"
        # A fresh client per request, like urllib: no cookie carries over from one to the next.
        # Errors come back as answers (a 500 too), as they would from a server.
        client = Client(raise_request_exception=False)
        response = client.generic(
            method, "/api/v1" + path, body or b"", content_type=content_type, headers=headers
        )
        # The client closes the response itself (for a file, once its content is read).
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, response.headers, raw
