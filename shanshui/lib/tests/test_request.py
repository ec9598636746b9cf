"""The client address behind trusted reverse proxies (rate limits and lockouts depend on it)."""

from django.test import RequestFactory, override_settings

from shanshui.lib.request import client_ip


def _request(forwarded: str | None = None):
    extra = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.7")) == "10.0.0.2"


@override_settings(TRUSTED_PROXIES=1)
def test_one_proxy_takes_the_rightmost_address():
    assert client_ip(_request("198.51.100.1, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request()) == "10.0.0.2"  # not through the proxy


@override_settings(TRUSTED_PROXIES=2)
def test_two_proxies_and_a_forged_header():
    # The client forged "1.1.1.1"; the two proxies appended the real address and their own.
    assert client_ip(_request("1.1.1.1, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"
