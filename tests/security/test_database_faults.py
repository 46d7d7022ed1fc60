"""Issue 11 item 10, in the web process: the database going away mid-request answers 503 with
Retry-After (never a 500), and leaves nothing half-written. Worker and beat recovering from a
PostgreSQL restart: tests/integration/test_postgres_restart.py."""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client

from orders.models import Order
from tests.api.conftest import client_for
from tests.support.live import database_url_for_test_db
from workup.models import AuditEvent, Patient, Workup
from workup.services import triage

TRIAGE = {
    "patient": {
        "mrn": "H5550001",
        "name": "Jan de Vries",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "height_cm": 181.5,
        "weight_kg": 92,
    },
    "ward": "4N",
    "bed": "12B",
    "onset_of_weakness_on": "2026-11-21",
    "triage": {"facial_weakness": True, "reflexes": "absent", "mrc_sum_score": 44},
}
FORM = {
    "ward": "4N",
    "mrn": "H5550001",
    "name": "Jan de Vries",
    "date_of_birth": "1968-03-02",
    "sex": "male",
    "height_cm": "181.5",
    "weight_kg": "92",
    "onset_of_weakness_on": "2026-11-21",
}
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL as the database (DATABASE_URL=postgres://...)"
)


def nothing_written() -> bool:
    return not (Patient.objects.exists() or Workup.objects.exists() or Order.objects.exists())


def assert_503(response, *, api: bool) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    if api:
        assert response.json()["code"] == "database_unavailable"
    else:
        assert "Please try again in a moment" in response.content.decode()


@pytest.fixture
def connection_lost_after_the_orders(monkeypatch):
    """The triage service loses the database after it has written the patient, the workup and
    its orders, before its transaction commits."""
    instantiate = triage.orders_instantiate

    def then_lose_the_database(**kwargs):
        instantiate(**kwargs)
        assert Order.objects.exists()  # half of the work is written, inside the transaction
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(triage, "orders_instantiate", then_lose_the_database)


@pytest.mark.django_db
def test_a_lost_database_mid_triage_is_a_503_and_nothing_is_half_written(physician, connection_lost_after_the_orders):
    assert_503(client_for(physician).post("/api/v1/workups/", TRIAGE), api=True)
    assert nothing_written()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_web_triage_form_gets_the_503_page(physician, connection_lost_after_the_orders):
    client = Client()
    client.force_login(physician)
    assert_503(client.post("/workups/new/", FORM), api=False)
    assert nothing_written()


@pytest.mark.django_db
def test_a_database_error_outside_a_view_is_a_503_too(physician, monkeypatch):
    # The session is saved after the view, by its middleware: Django's handler500 sees that one.
    from django.contrib.sessions.backends.db import SessionStore

    client = Client(raise_request_exception=False)
    client.force_login(physician)

    def lost(self, must_create=False):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionStore, "save", lost)
    assert_503(client.get("/"), api=False)


@on_postgres
# serialized_rollback: the roles and pathways of the data migrations are back for the next test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_terminating_the_connection_mid_request_is_a_503_with_no_partial_writes(physician, monkeypatch):
    # given the triage service, which has written part of its work when PostgreSQL drops the
    # connection (pg_terminate_backend, what a restart or failover does to every session)
    instantiate = triage.orders_instantiate
    backend_pid = None

    def then_postgres_goes_away(**kwargs):
        nonlocal backend_pid
        instantiate(**kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
        with psycopg.connect(database_url_for_test_db(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    monkeypatch.setattr(triage, "orders_instantiate", then_postgres_goes_away)
    response = client_for(physician).post("/api/v1/workups/", TRIAGE)

    assert backend_pid is not None
    assert_503(response, api=True)
    connection.close()  # the test's own connection was the one terminated
    assert nothing_written()
    # and the next request simply reconnects
    monkeypatch.setattr(triage, "orders_instantiate", instantiate)
    assert client_for(physician).post("/api/v1/workups/", TRIAGE).status_code == 201
