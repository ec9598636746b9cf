"""Text messages to people's phones (短信 / 政务短信平台): one small adapter. 短信接口

Every notice the system stores for a person (shanshui.ledger.notify) is also handed to the
configured gateway, ``settings.SHANSHUI_SMS_BACKEND`` (a dotted path to a class). A deployment
plugs in its government messaging platform by writing a subclass of :class:`SmsGateway` with a
``send`` method and naming it there; nothing else changes.

What a gateway is given: :class:`TextMessage` — the person's mobile number when the system knows
one, and always the person's account (user id, user name, full name). The user model has no
mobile number today, so ``mobile`` is empty: a gateway that addresses people by number looks the
account up in its own directory (most 政务短信 platforms address staff by their account in the
government directory), or skips the message. The console gateway, the default, writes each
message to standard output, as Django's console e-mail backend does.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    user_id: int
    username: str
    full_name: str
    text: str
    mobile: str = ""  # empty when the system knows no number for the person


class SmsGateway:
    """The interface: ``send`` delivers a batch and returns how many were accepted; it raises
    on trouble (the caller logs it and carries on: a text message is never the only copy)."""

    def send(self, messages: list[TextMessage]) -> int:
        raise NotImplementedError


class ConsoleSms(SmsGateway):
    """Writes each message to a stream (standard output): development and demonstrations."""

    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, messages: list[TextMessage]) -> int:
        stream = self.stream or sys.stdout
        with self._lock:
            for m in messages:
                to = m.mobile or f"({m.username})"
                stream.write(f"[SMS] to {to}: {m.text}\n")
            stream.flush()
        return len(messages)


def gateway() -> SmsGateway:
    """The configured gateway (read on each call: no settings at import time)."""
    path = getattr(settings, "SHANSHUI_SMS_BACKEND", "shanshui.lib.messaging.ConsoleSms")
    return import_string(path)()


def send_text(messages: list[TextMessage]) -> int:
    if not messages:
        return 0
    return gateway().send(messages)
