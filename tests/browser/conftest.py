"""Browser tests: the ward web app in real headless Chromium (Debian's `chromium` package) driven
by Playwright for Python, against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, storage) per test. Playwright never
downloads a browser here: it launches /usr/bin/chromium (CHROMIUM_PATH overrides). Without that
binary the tests are skipped with a one-line reason, except under CI=true, where they fail (like
the Redis-backed tests in tests/support/services.py); `make test` installs it under CI=true.

The live server runs in a thread of this process, so `time_machine` in a test moves the server's
clock too; the browser (another process) keeps real time, which is what a user at a ward
workstation would have.
"""

import os
from collections.abc import Iterator

import pytest
from django.db import connections

from tests.browser.support import CHROMIUM_ARGS, CHROMIUM_PATH, DESKTOP, TIMEOUT_MS
from tests.support.services import require_service


@pytest.fixture(scope="session")
def _allow_sync_orm_under_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio loop running in this thread (the test code runs in a
    # greenlet beside it); Django's guard against ORM calls from async code would then refuse the
    # test's own, synchronous, queries.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="session")
def browser(django_db_setup, django_db_blocker, _allow_sync_orm_under_playwright):
    """Headless Chromium, launched once per test session (Playwright gives it a fresh profile)."""
    if not CHROMIUM_PATH.is_file() or not os.access(CHROMIUM_PATH, os.X_OK):
        require_service(
            f"Chromium at {CHROMIUM_PATH}",
            FileNotFoundError("apt-get install chromium (make test does it under CI=true)"),
        )
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default; on a loaded 2-core CI machine (two test passes side by side)
    # that is too tight for a page round trip. Tests that measure a time say so explicitly.
    expect.set_options(timeout=TIMEOUT_MS)

    # The test database is set up (django_db_setup) before the loop starts. Once it runs, Django
    # keeps this thread's connections in a context-local store instead of the thread-local one:
    # new connection objects, without the snapshot of the data migrations' rows that
    # serialized_rollback restores after each flush. Hand the snapshot over to them.
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            if snapshot is not None:
                connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Close the context-local connections while they are still reachable, so that the
            # test database can be dropped (PostgreSQL refuses while a connection is open).
            with django_db_blocker.unblock():
                connections.close_all()


@pytest.fixture
def new_page(browser, live_server, broker):
    """Open pages in fresh browser contexts; fail the test on a page error or a CSP violation.
    What the live server would publish (escalation timers, deliveries) is recorded, not sent."""
    contexts = []
    problems: list[str] = []

    def open_page(*, viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="en-GB",
            timezone_id="Europe/Amsterdam",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A desktop-sized page in a fresh context."""
    return new_page()
