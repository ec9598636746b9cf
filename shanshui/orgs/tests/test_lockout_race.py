"""The login lockout under a burst of simultaneous guesses: the limit holds, every attempt counts.

A check-then-count lockout let a burst pass the check before any failure was written, so a
right password among forty simultaneous guesses logged in long after the limit. Each attempt
now reserves its place before its password is checked, serialised per user name
(services.login_reserve_attempt).
Threads here have their own database connections, as separate requests would.
"""

import threading
import time

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from shanshui.orgs.models import AuditEntry, LoginFailure

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 5
ATTEMPTS = 40
COUNTED = ["login.failure", "login.refused_locked", "login.success"]


class PasswordChecks:
    """Wraps the password check: counts who reaches it and holds wrong guesses there until
    released, so the burst is still in flight when the right password arrives."""

    def __init__(self, right_password):
        self.right_password = right_password
        self.reached = 0
        self.lock = threading.Lock()
        self.release = threading.Event()

    def install(self, monkeypatch):
        original = ModelBackend.authenticate
        checks = self

        def authenticate(self, request, username=None, password=None, **kwargs):
            with checks.lock:
                checks.reached += 1
            if password != checks.right_password:
                checks.release.wait(timeout=20)
            return original(self, request, username=username, password=password, **kwargs)

        monkeypatch.setattr(ModelBackend, "authenticate", authenticate)


def post_login(password, results, i):
    try:
        client = Client(REMOTE_ADDR="203.0.113.7")
        response = client.post(reverse("login"), {"username": "p_wanzhou", "password": password})
        results[i] = (response.status_code, "_auth_user_id" in client.session)
    except Exception as exc:  # collected for the assertions
        results[i] = exc
    finally:
        connection.close()


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the burst did not settle"
        time.sleep(0.01)


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=LIMIT, LOGIN_LOCKOUT_ATTEMPTS_ANY_IP=20)
def test_a_right_password_in_a_burst_after_the_limit_never_logs_in(
    personas, persona_password, monkeypatch
):
    checks = PasswordChecks(persona_password)
    checks.install(monkeypatch)
    wrong = ATTEMPTS - 1
    results = [None] * ATTEMPTS
    barrier = threading.Barrier(wrong)

    def guess(i):
        barrier.wait(timeout=10)
        post_login(f"guess-{i}", results, i)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(wrong)]
    for t in threads:
        t.start()
    # Every wrong guess has either reached the password check (and waits there) or been
    # refused: all of them are in flight or counted before the right password comes.
    wait_until(lambda: checks.reached + sum(r is not None for r in results) >= wrong)
    post_login(persona_password, results, wrong)
    checks.release.set()
    for t in threads:
        t.join(timeout=30)

    assert not any(isinstance(r, Exception) for r in results), results
    assert results[wrong] == (200, False)  # refused, not logged in
    assert not any(logged_in for _, logged_in in results)
    assert checks.reached == LIMIT  # only the limit ever reached a password check
    assert LoginFailure.objects.filter(username="p_wanzhou").count() == LIMIT
    entries = AuditEntry.objects.filter(summary="p_wanzhou", action__in=COUNTED)
    assert entries.count() == ATTEMPTS  # every attempt is in the audit, once
    assert entries.filter(action="login.failure").count() == LIMIT
    assert not entries.filter(action="login.success").exists()
    assert AuditEntry.objects.filter(summary="p_wanzhou", action="login.locked").exists()


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=LIMIT, LOGIN_LOCKOUT_ATTEMPTS_ANY_IP=20)
def test_forty_simultaneous_guesses_check_at_most_the_limit(personas, persona_password):
    # No hooks: the plain race. Four right passwords are spread through the burst; whichever
    # attempts win the first places decide, and nothing past the limit reaches a password.
    passwords = [persona_password if i % 10 == 9 else f"guess-{i}" for i in range(ATTEMPTS)]
    results = [None] * ATTEMPTS
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(i):
        barrier.wait(timeout=10)
        post_login(passwords[i], results, i)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not any(isinstance(r, Exception) for r in results), results
    entries = AuditEntry.objects.filter(summary="p_wanzhou", action__in=COUNTED)
    assert entries.count() == ATTEMPTS
    checked = entries.filter(action__in=["login.failure", "login.success"]).count()
    logged_in = sum(1 for _, ok in results if ok)
    assert logged_in == entries.filter(action="login.success").count()
    # A success clears the failures, so the places after it are free again; without one,
    # exactly the limit is checked (attempts are serialised per user name).
    if logged_in == 0:
        assert checked == LIMIT
    else:
        assert checked <= LIMIT * (logged_in + 1)
