"""Locust users for target 4 (bench/targets/t4_reading_ingest.py): nurses posting bedside
respiratory readings through the API, and the same number of users asking a trivial authenticated
DRF endpoint (the unread count) as the baseline. Not Django: tokens and workup ids come from the
JSON file in BENCH_LOCUST_DATA; every response's status is counted into BENCH_LOCUST_COUNTS.

Readings are idempotency-aware (the same values and taken_at by the same user within 2 minutes
are not stored twice): every POST carries its own taken_at and values."""

import itertools
import json
import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from locust import HttpUser, constant, events, task

with open(os.environ["BENCH_LOCUST_DATA"]) as _data:
    DATA = json.load(_data)
STATUS = Counter()
_nurses = itertools.count()


@events.request.add_listener
def _count(request_type, name, response, exception, **kwargs):
    STATUS[f"{name} {response.status_code if response is not None else 'none'}"] += 1
    if exception is not None:
        STATUS[f"{name} exception {type(exception).__name__}"] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["BENCH_LOCUST_COUNTS"], "w") as out:
        json.dump(dict(STATUS), out)


class _Nurse(HttpUser):
    abstract = True
    wait_time = constant(0)  # closed loop: each user sends its next request as soon as answered

    def on_start(self):
        me = DATA["nurses"][next(_nurses) % len(DATA["nurses"])]
        self.workup_id = me["workup_id"]
        self.client.headers["Authorization"] = f"Token {me['token']}"
        self.rng = random.Random(me["workup_id"])  # noqa: S311 - test data, not secrets
        self.sent = 0
        # The patient's own steady values; each reading varies a few per cent around them (a
        # stable patient: the fall-from-best rules stay quiet, as on most of a ward's checks).
        self.fvc, self.nif = self.rng.randrange(3000, 4000), self.rng.randrange(60, 80)


class TrivialUser(_Nurse):
    @task
    def unread_count(self):
        self.client.get("/api/v1/notifications/unread-count/", name="trivial")


class ReadingNurse(_Nurse):
    @task
    def post_reading(self):
        self.sent += 1
        # A distinct taken_at per request (milliseconds apart, within the last hour) and values
        # in the normal range: every POST is a new reading, none is a double submission.
        taken_at = datetime.now(UTC) - timedelta(minutes=self.rng.uniform(1, 50), milliseconds=self.sent)
        body = {
            "fvc_ml": round(self.fvc * self.rng.uniform(0.96, 1.04)),
            "nif_cm_h2o": -round(self.nif * self.rng.uniform(0.96, 1.04)),
            "respiratory_rate": self.rng.randrange(12, 20),
            "spo2_percent": self.rng.randrange(95, 100),
            "taken_at": taken_at.isoformat(),
        }
        self.client.post(f"/api/v1/workups/{self.workup_id}/readings/", json=body, name="reading")
