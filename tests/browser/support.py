"""Constants and helpers shared by the browser tests and the screenshot run."""

import os
import re
from pathlib import Path

from django.conf import settings
from django.test import Client

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Generous for a 2-core CI machine; a passing test waits far less.
TIMEOUT_MS = 10_000


def log_in(page, *, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def log_in_with_cookie(page, *, user, live_server) -> None:
    """Skip the login form (screenshots, set-up): a Django session cookie for ``user``."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def text_matches(*words: str) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
