"""GET /healthz: no authentication; 200 when database and broker answer, else 503 naming the
failed one — and quickly, even when the broker is down or hangs."""

import socket
import threading
import time

import pytest
from django.db import OperationalError
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_broker(tmp_path):
    """The embedded demo broker (SQLAlchemy over SQLite): really connected to, no server needed."""
    with override_settings(CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"):
        yield


@pytest.fixture
def silent_broker():
    """A Redis URL whose server accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{server.getsockname()[1]}/0"):
        yield
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def get_healthz():
    started = time.monotonic()
    response = APIClient().get("/healthz")
    return response, time.monotonic() - started


def test_healthy(local_broker):
    response, _ = get_healthz()

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", HEALTHZ_BROKER_TIMEOUT_SECONDS=1)
def test_a_broker_that_refuses_connections_is_503_at_once():
    response, elapsed = get_healthz()

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}
    assert elapsed < 3


@override_settings(HEALTHZ_BROKER_TIMEOUT_SECONDS=1)
def test_a_broker_that_never_answers_is_503_within_the_timeout(silent_broker):
    response, elapsed = get_healthz()

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert elapsed < 5


def test_a_database_that_fails_is_503_naming_it(local_broker, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("workup.health.connection", BrokenConnection())

    response, _ = get_healthz()

    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "broker": "ok"}


def test_healthz_needs_no_credentials_and_ignores_bad_ones(local_broker):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert client.get("/healthz").status_code == 200
