"""Issue 11 item 1: the web login, the admin login and POST /api/v1/auth/token/ share one lockout.
Five failures for a username from one address lock that pair for 15 minutes, whichever door the
failures came through; the answer says so clearly; the log names no password; success resets."""

import datetime as dt
import logging

import pytest
import time_machine
from django.test import Client

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory
from workup.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
WRONG = "Tr0ub4dor&3-not-it"
IP = "10.1.2.3"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(db):
    return {
        "nurse": UserFactory(username="nurse", role=Role.NURSE),
        "it": UserFactory(username="it", role=Role.ADMIN),
    }


def web_login(username, password, *, ip=IP):
    return Client().post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def admin_login(username, password, *, ip=IP):
    return Client().post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def token(username, password, *, ip=IP):
    return client_for(None).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


DOORS = {"web": web_login, "admin": admin_login, "token": token}


def logged_in(door: str, response) -> bool:
    if door == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "login" not in response["Location"]


@pytest.mark.parametrize("door", DOORS)
def test_five_failures_lock_the_username_from_that_address_for_15_minutes(staff, clock, door):
    user = "it" if door == "admin" else "nurse"
    attempt = DOORS[door]
    for _ in range(4):
        assert not logged_in(door, attempt(user, WRONG))
    fifth = attempt(user, WRONG)
    assert fifth.status_code == 429

    # then even the right password is refused, with a clear answer
    locked = attempt(user, PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    text = locked.json()["detail"] if door == "token" else locked.content.decode()
    assert "locked for 15 minutes" in text
    # others go on: the same user from another address, another user from this address
    assert logged_in(door, attempt(user, PASSWORD, ip="10.9.9.9"))

    # when 15 minutes have passed, the right password works again
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    assert attempt(user, PASSWORD).status_code == 429
    clock.shift(dt.timedelta(seconds=2))
    assert logged_in(door, attempt(user, PASSWORD))


def test_the_three_doors_share_one_count(staff, clock):
    # given two failures on the web, two at the admin and one at the token endpoint
    web_login("it", WRONG)
    web_login("it", WRONG)
    admin_login("it", WRONG)
    admin_login("it", WRONG)
    assert token("it", WRONG).status_code == 429  # the fifth, wherever it came
    # then every door is shut for that username and address
    for attempt in DOORS.values():
        assert attempt("it", PASSWORD).status_code == 429


def test_thirty_wrong_web_passwords_do_not_let_the_next_right_one_in(staff, clock):
    answers = [web_login("nurse", f"{WRONG}{i}").status_code for i in range(30)]
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}
    assert web_login("nurse", PASSWORD).status_code == 429


def test_the_token_throttle_and_the_lockout_both_hold(staff, clock, settings):
    # The throttle (10/min per username+address) answers 429 too; the lockout outlasts it.
    for _ in range(5):
        token("nurse", WRONG)
    clock.shift(dt.timedelta(minutes=2))  # the throttle window has passed, the lock has not
    assert token("nurse", PASSWORD).json()["code"] == "locked_out"
    assert web_login("nurse", PASSWORD).status_code == 429


def test_a_success_resets_the_count(staff, clock):
    for _ in range(4):
        web_login("nurse", WRONG)
    assert logged_in("web", web_login("nurse", PASSWORD))
    for _ in range(4):
        assert web_login("nurse", WRONG).status_code == 200
    assert logged_in("token", token("nurse", PASSWORD))


def test_unknown_usernames_are_locked_the_same_way(staff, clock):
    # Otherwise the lockout itself would tell which usernames exist.
    answers = [token("nobody", WRONG).status_code for _ in range(6)]
    assert answers == [400] * 4 + [429, 429]


def test_a_forged_x_forwarded_for_does_not_buy_fresh_attempts(staff, clock):
    for i in range(5):
        web_login("nurse", WRONG) if i % 2 else token("nurse", WRONG)
    forged = Client().post(
        "/accounts/login/", {"username": "nurse", "password": PASSWORD}, REMOTE_ADDR=IP, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert forged.status_code == 429


def test_the_lock_is_logged_without_the_password(staff, clock, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        web_login("nurse", WRONG)
    token("nurse", WRONG)
    text = "\n".join(record.getMessage() for record in caplog.records)
    locking = [line for line in text.splitlines() if "Locking out" in line]
    assert len(locking) == 1 and 'username: "nurse"' in locking[0] and IP in locking[0]
    assert WRONG not in text
    from axes.models import AccessAttempt

    assert WRONG not in str(list(AccessAttempt.objects.values()))


def test_the_lockout_page_works_under_the_strict_csp(staff, clock):
    from tests.web.conftest import assert_strict_csp_safe

    for _ in range(5):
        response = web_login("nurse", WRONG)
    assert response.status_code == 429
    assert_strict_csp_safe(response.content.decode())
    assert "Log-in locked" in response.content.decode()
