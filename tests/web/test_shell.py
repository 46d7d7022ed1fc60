"""Login, logout, the page shell (nav, banner container), CSP and the idle timeout."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.web.conftest import assert_strict_csp_safe

pytestmark = pytest.mark.django_db


def test_login_page_has_the_hooks_the_browser_tests_use(browser):
    response = browser(None).get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_username"' in page and 'id="id_password"' in page
    assert ">Log in</button>" in page
    assert_strict_csp_safe(page)


def test_anonymous_user_is_sent_to_login(browser):
    response = browser(None).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_anonymous_htmx_poll_is_told_to_load_the_login_page(browser):
    response = browser(None).get("/board/rows/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_login_with_password_lands_on_the_board(browser, users):
    users["nurse"].set_password("pw-for-tests-1")
    users["nurse"].save()
    client = browser(None)
    response = client.post("/accounts/login/", {"username": "nurse", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_an_error_and_keeps_the_username(browser, users):
    response = browser(None).post("/accounts/login/", {"username": "nurse", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "correct username and password" in page
    assert 'value="nurse"' in page


def test_logout_is_a_post(browser):
    client = browser("nurse")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ["nurse", "charge_nurse", "physician", "neurologist", "admin"])
def test_shell_shows_name_inbox_and_links_by_role(browser, users, role):
    response = browser(role).get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert users[role].username in page or users[role].get_full_name() in page
    assert 'id="unread-count"' in page
    assert 'id="alert-banner" role="alert"' in page
    assert ('href="/workups/new/"' in page) == (role in ("physician", "neurologist", "admin"))
    assert ('href="/dashboard/overdue/"' in page) == (role != "nurse")
    assert_strict_csp_safe(page)


def test_csp_header_is_strict(browser):
    response = browser("nurse").get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_static_files_are_vendored():
    assert finders.find("vendor/htmx.min.js")
    assert finders.find("workup/app.js")
    assert finders.find("workup/app.css")


def test_session_idles_out_and_polling_does_not_keep_it_alive(browser, clock):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = browser("nurse")
    assert client.get("/").status_code == 200  # something a person did: renews the session
    clock.shift(20 * 60)
    poll = client.get("/board/rows/", headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in poll.cookies  # polling is not activity
    clock.shift(11 * 60)  # 31 min after the last page load
    poll = client.get("/board/rows/", headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Redirect"].startswith("/accounts/login/")


def test_activity_keeps_the_session_alive(browser, clock):
    client = browser("nurse")
    for _ in range(3):
        clock.shift(25 * 60)
        assert client.get("/").status_code == 200
