"""Issue 11 item 7: API tokens expire (API_TOKEN_TTL, default 12 h), are revoked on a password
change or deactivation, and can be revoked by their owner and by an admin."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory
from workup.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def obtain(username="nurse", password=PASSWORD):
    return client_for(None).post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def with_token(key: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    return with_token(key).get("/api/v1/notifications/unread-count/").status_code == 200


def test_a_token_works_for_12_hours_and_says_when_it_expires(nurse, clock):
    answer = obtain().json()
    assert answer["expires_at"] == "2026-11-24T21:00:00+01:00"  # T0 + 12 h, in the hospital's zone
    clock.shift(dt.timedelta(hours=11, minutes=59, seconds=59))
    assert works(answer["token"])

    clock.shift(dt.timedelta(seconds=1))
    expired = with_token(answer["token"]).get("/api/v1/notifications/unread-count/")
    assert expired.status_code == 401
    assert expired.json()["detail"] == "Token expired; ask for a new one at POST /api/v1/auth/token/."

    # then logging in again gives a new token, valid from now
    fresh = obtain().json()
    assert fresh["token"] != answer["token"] and works(fresh["token"])
    assert fresh["expires_at"] == "2026-11-25T09:00:00+01:00"


def test_within_its_lifetime_the_same_token_comes_back(nurse, clock):
    first = obtain().json()
    clock.shift(dt.timedelta(hours=3))
    assert obtain().json() == first


def test_the_lifetime_is_a_setting(nurse, clock, settings):
    settings.API_TOKEN_TTL = dt.timedelta(minutes=30)
    key = obtain().json()["token"]
    clock.shift(dt.timedelta(minutes=30))
    assert not works(key)


def test_the_owner_revokes_their_token(nurse, clock):
    key = obtain().json()["token"]
    response = with_token(key).post("/api/v1/auth/token/revoke/")
    assert response.status_code == 204
    assert not works(key)
    assert not Token.objects.filter(user=nurse).exists()
    # revoking needs a working token (or a session): anonymous is 401
    assert with_token(key).post("/api/v1/auth/token/revoke/").status_code == 401
    assert client_for(None).post("/api/v1/auth/token/revoke/").status_code == 401


def test_a_signed_in_web_user_can_revoke_their_token_too(nurse, clock):
    key = obtain().json()["token"]
    client = Client(enforce_csrf_checks=False)
    client.force_login(nurse)
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert not works(key)


def test_a_password_change_revokes_the_token(nurse, clock):
    key = obtain().json()["token"]
    nurse.set_password("a-new-long-password-42")
    nurse.save()
    assert not works(key)


def test_deactivating_the_account_revokes_the_token(nurse, clock):
    key = obtain().json()["token"]
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    assert not Token.objects.filter(key=key).exists()


def test_other_saves_keep_the_token(nurse, clock):
    key = obtain().json()["token"]
    nurse.first_name = "Anna"
    nurse.save()
    assert works(key)


def test_an_admin_revokes_a_token_in_the_django_admin(nurse, clock):
    key = obtain().json()["token"]
    it = UserFactory(username="it", role=Role.ADMIN)
    admin = Client()
    admin.force_login(it)
    token = Token.objects.get(key=key)
    listing = admin.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200 and "nurse" in listing.content.decode()
    assert key not in listing.content.decode()  # the secret itself is never shown
    # the token admin addresses tokens by their user's id
    response = admin.post(f"/admin/authtoken/tokenproxy/{token.user_id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not works(key)


def test_a_password_change_in_the_admin_revokes_the_token(nurse, clock):
    key = obtain().json()["token"]
    it = UserFactory(username="it", role=Role.ADMIN)
    admin = Client()
    admin.force_login(it)
    response = admin.post(
        f"/admin/workup/user/{nurse.pk}/password/",
        {"password1": "Another-long-pw-77", "password2": "Another-long-pw-77", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not works(key)
