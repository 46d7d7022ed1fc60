"""A double submission is stored once (issue 9 §2): the API honours an Idempotency-Key header (the
second call returns the first answer), the entry services refuse a repeat within 2 minutes, and
the API says which order an entry left open and what it still needs."""

import datetime as dt

import pytest

from orders.models import Order
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import IdempotencyRecord, RespiratoryReading, Workup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def workup(users, ward):
    return open_workup(ward=ward, opened_by=users["physician"], now=T0)


def post_reading(client, workup, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/workups/{workup.pk}/readings/", body, format="json", headers=headers)


def test_the_same_key_and_body_return_the_first_answer_and_store_once(api, workup, broker):
    nurse = api("nurse")
    first = post_reading(nurse, workup, {"fvc_ml": 3600}, key="a1b2")

    again = post_reading(nurse, workup, {"fvc_ml": 3600}, key="a1b2")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1


def test_the_same_key_with_another_body_is_422_and_stores_nothing_more(api, workup, broker):
    nurse = api("nurse")
    post_reading(nurse, workup, {"fvc_ml": 3600}, key="k-1")

    response = post_reading(nurse, workup, {"fvc_ml": 3000}, key="k-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1


def test_keys_are_per_user(api, workup, broker):
    post_reading(api("nurse"), workup, {"fvc_ml": 3600}, key="shared")
    response = post_reading(api("charge_nurse"), workup, {"fvc_ml": 3600}, key="shared")
    assert response.status_code == 201
    assert RespiratoryReading.objects.filter(workup=workup).count() == 2


def test_a_failed_request_keeps_no_key_so_a_corrected_retry_runs(api, workup, broker):
    nurse = api("nurse")
    assert post_reading(nurse, workup, {"fvc_ml": 90000}, key="retry").status_code == 400
    assert not IdempotencyRecord.objects.exists()

    assert post_reading(nurse, workup, {"fvc_ml": 3600}, key="retry").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "bad\nkey"])
def test_a_malformed_key_is_400_naming_the_header(api, workup, key):
    response = post_reading(api("nurse"), workup, {"fvc_ml": 3600}, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not RespiratoryReading.objects.exists()


def test_a_key_expires_after_its_time_to_live(api, workup, broker, clock, settings):
    settings.IDEMPOTENCY_TTL_HOURS = 1
    nurse = api("nurse")
    post_reading(nurse, workup, {"fvc_ml": 3600}, key="old")
    clock.shift(2 * 3600)

    response = post_reading(nurse, workup, {"fvc_ml": 3600}, key="old")

    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert RespiratoryReading.objects.count() == 2


def test_triage_with_a_key_opens_one_workup(api, users):
    body = {
        "patient": {
            "mrn": "IDEM-1",
            "name": "A B",
            "date_of_birth": "1970-01-01",
            "sex": "male",
            "height_cm": 180,
            "weight_kg": 80,
        },
        "ward": "4N",
        "onset_of_weakness_on": "2026-11-20",
        "triage": {},
    }
    first = api("physician").post("/api/v1/workups/", body, format="json", headers={"Idempotency-Key": "t-1"})
    again = api("physician").post("/api/v1/workups/", body, format="json", headers={"Idempotency-Key": "t-1"})

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Workup.objects.count() == 1


def test_an_order_transition_with_a_key_is_done_once(api, workup):
    labs = workup.orders.get(key="labs")
    client = api("nurse")
    url = f"/api/v1/orders/{labs.pk}/complete/"
    body = {"result": "Na 138", "version": 1}

    first = client.post(url, body, format="json", headers={"Idempotency-Key": "o-1"})
    again = client.post(url, body, format="json", headers={"Idempotency-Key": "o-1"})

    # without the key the repeat would be a 409 (version 1 is stale): with it, the first answer
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert Order.objects.get(pk=labs.pk).version == 2


def test_a_repeat_without_a_key_within_two_minutes_is_200_with_the_first_entry(api, workup, broker):
    nurse = api("nurse")
    body = {"fvc_ml": 3600, "taken_at": "2026-11-24T08:55:00+01:00"}
    first = post_reading(nurse, workup, body)

    again = post_reading(nurse, workup, body)

    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert again.json()["id"] == first.json()["id"]
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert RespiratoryReading.objects.count() == 1


def test_the_answer_names_the_order_left_open_and_what_it_needs(api, workup, broker):
    response = post_reading(api("nurse"), workup, {"spo2_percent": 95})

    body = response.json()
    assert response.status_code == 201
    assert body["completed_order"] is None
    [still] = body["open_orders"]
    assert (still["order"]["key"], still["needs"]) == ("resp_baseline", ["fvc_ml", "nif_cm_h2o"])
    assert "needs FVC or NIF" in still["message"]

    completed = post_reading(api("nurse"), workup, {"fvc_ml": 3400}).json()
    assert completed["completed_order"]["key"] == "resp_baseline"
    assert completed["open_orders"] == []


def test_vitals_name_their_missing_values_with_the_api_names(api, workup, broker):
    response = api("nurse").post(f"/api/v1/workups/{workup.pk}/vitals/", {"systolic_bp": 120}, format="json")
    [still] = response.json()["open_orders"]
    assert still["needs"] == ["diastolic_bp", "heart_rate"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_with_the_same_key_at_the_same_moment_store_once(users, ward):
    """The losing side of the race: the second request waits on the first's claim and gets its answer."""
    import threading

    from django.db import connection, connections

    from tests.api.conftest import client_for

    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is PostgreSQL's (SQLite serialises every write transaction)")
    workup = open_workup(ward=ward, opened_by=users["physician"])
    barrier = threading.Barrier(2)
    answers = []

    def send():
        try:
            client = client_for(users["nurse"])
            barrier.wait(timeout=10)
            answers.append(post_reading(client, workup, {"fvc_ml": 3600}, key="race").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers) == [201, 201]
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1


def test_the_hourly_purge_forgets_only_expired_keys(api, workup, broker, clock, settings):
    from django.utils import timezone

    from workup.services.idempotency import idempotency_purge

    settings.IDEMPOTENCY_TTL_HOURS = 24
    settings.API_TOKEN_TTL = dt.timedelta(hours=48)  # one token for the whole test
    assert post_reading(api("nurse"), workup, {"fvc_ml": 3600}, key="old").status_code == 201
    clock.shift(23 * 3600)
    assert post_reading(api("nurse"), workup, {"fvc_ml": 3500}, key="new").status_code == 201
    clock.shift(2 * 3600)

    assert idempotency_purge(now=timezone.now()) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
