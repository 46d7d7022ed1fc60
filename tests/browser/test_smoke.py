"""The browser set-up itself: Chromium starts, reaches the live server and runs its pages' JS."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_chromium_reaches_the_live_server(page):
    response = page.goto("/healthz")
    assert response is not None and response.status in (200, 503)
    assert "database" in page.content()
