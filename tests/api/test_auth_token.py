"""POST /api/v1/auth/token/: tokens for correct credentials, one answer for every failure, and
throttling per username and client IP."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def ask(username, password, *, ip="10.0.0.1", **extra):
    return client_for(None).post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_correct_credentials_give_the_users_token_which_then_authenticates(nurse, workup):
    response = ask("nurse", PASSWORD)

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=nurse).key
    assert ask("nurse", PASSWORD, ip="10.0.0.2").json()["token"] == token  # same token, not a new one
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/v1/workups/{workup.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("nurse", "wrong"), ("nobody", PASSWORD), ("NURSE", PASSWORD)],
    ids=["wrong-password", "unknown-user", "username-is-case-sensitive"],
)
def test_every_failed_login_gets_the_same_400(nurse, username, password):
    response = ask(username, password)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with the username and password given."]}
    assert not Token.objects.exists()


def test_an_inactive_account_gets_no_token(db):
    UserFactory(username="left", is_active=False)
    assert ask("left", PASSWORD).status_code == 400


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "nurse"}, {"username": "nurse", "password": PASSWORD, "remember": True}, [], "nurse"],
    ids=["empty", "no-password", "unknown-field", "list", "string"],
)
def test_malformed_requests_are_400_with_field_messages(nurse, body):
    response = client_for(None).post(URL, body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_the_token_endpoint_ignores_credentials_it_is_sent(nurse):
    # A stale or wrong token header must not stop anyone from logging in again.
    response = ask("nurse", PASSWORD, HTTP_AUTHORIZATION="Token stale")
    assert response.status_code == 200


def rate() -> int:
    return int(api_settings.DEFAULT_THROTTLE_RATES["token"].split("/")[0])


def test_token_requests_are_throttled_per_username_and_ip(nurse, physician):
    # Every request counts, successful ones too (failures lock out sooner: test_login_lockout).
    limit = rate()
    for _ in range(limit):
        assert ask("nurse", PASSWORD).status_code == 200

    throttled = ask("nurse", PASSWORD)  # even the right password: the limit is reached
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    assert "throttled" in throttled.json()["detail"]
    # Not a lock-out: the same user from elsewhere, and others from the same address, go on.
    assert ask("nurse", PASSWORD, ip="10.0.0.99").status_code == 200
    assert ask("physician", PASSWORD).status_code == 200


def test_usernames_differing_only_in_case_or_spaces_share_a_count(nurse):
    for i in range(rate()):
        ask(["nurse", "NURSE", " Nurse "][i % 3], "guess")
    assert ask("nurse", PASSWORD).status_code == 429


def test_the_throttle_window_passes(nurse):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(rate()):
            ask("nurse", PASSWORD)
        assert ask("nurse", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert ask("nurse", PASSWORD).status_code == 200


def test_x_forwarded_for_is_ignored_without_configured_proxies(nurse):
    for i in range(rate()):
        ask("nurse", PASSWORD, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert ask("nurse", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.250").status_code == 429


def test_the_rate_comes_from_settings(nurse):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "2/min"}}
    with override_settings(REST_FRAMEWORK=rest):
        assert ask("nurse", "guess").status_code == 400
        assert ask("nurse", "guess").status_code == 400
        assert ask("nurse", PASSWORD).status_code == 429
