"""Issue 11 item 4: schemathesis fuzzes every operation of the OpenAPI schema, in-process against
the WSGI app, as a physician and as a nurse of the ward, with valid (positive) and invalid
(negative) input. Every answer must be a 4xx or a success — never a 5xx — and must match the
schema: documented status code, content type and body. The budget is fixed (FUZZ_EXAMPLES per
operation, mode and role) and the run is derandomized, so a failure reproduces exactly.

Path ids are swapped for real ids on the role's ward, so that the fuzzing reaches the views' input
handling instead of stopping at 404; ids that do not exist are covered by the role matrix tests.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from config.wsgi import application
from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import open_workup
from tests.support.openapi import CHECKS, OPERATIONS, SCHEMA
from workup.models import RespiratoryReading
from workup.monitoring.services.readings import reading_record

# Examples per operation, per generation mode (positive, negative) and per role.
FUZZ_EXAMPLES = 12
ROLES = ("physician", "nurse")
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
# How many cases ran, per (role, operation): printed at the end of the run (tests/api/conftest.py).
CASES: Counter = Counter()


@pytest.fixture
def world(db, ward, physician, nurse, keep_the_test_connection):
    """One open workup on the ward with an order, a reading, an alert and a notification, so that
    every {id} in a path names something the role may see."""
    from notifications.models import Notification

    cache.clear()
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    result = reading_record(workup=workup, data={"fvc_ml": 900}, by=nurse)  # CRIT: alert + pages
    assert RespiratoryReading.objects.filter(workup=workup).exists()
    order = workup.orders.order_by("id").first()
    alert = result.alert_changes[0].alert
    return {"workup": workup, "order": order, "alert": alert, "Notification": Notification}


def real_ids(path: str, world: dict, user) -> dict:
    if "{id}" not in path:
        return {}
    if "{key}" in path:  # a recurring series of the workup
        return {"id": world["workup"].pk, "key": world["workup"].series.order_by("id").first().key}
    if path.startswith("/api/v1/workups/"):
        return {"id": world["workup"].pk}
    if path.startswith("/api/v1/orders/"):
        return {"id": world["order"].pk}
    if path.startswith("/api/v1/alerts/"):
        return {"id": world["alert"].pk}
    if path.startswith("/api/v1/alert-groups/"):
        return {"id": world["alert"].group_id}
    if path.startswith("/api/v1/notifications/"):
        mine = world["Notification"].objects.filter(recipient=user).order_by("id").first()
        return {"id": mine.pk if mine else 1}
    raise AssertionError(f"no real id for {path}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_input_gives_a_5xx_and_every_answer_matches_the_schema(world, physician, nurse, role, method, path):
    user = {"physician": physician, "nurse": nurse}[role]
    client = client_for(user)
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}
    operation = SCHEMA[path][method]
    ids = real_ids(path, world, user)

    for mode in MODES:

        @settings(
            max_examples=FUZZ_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            if ids:
                case.path_parameters = {**(case.path_parameters or {}), **ids}
            cache.clear()  # the token throttle would otherwise answer 429 to everything after ten
            case.call_and_validate(app=application, headers=headers, checks=CHECKS)
            CASES[(role, f"{method} {path}")] += 1

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing of this operation can be made invalid on the wire (no body, and query values
            # that are free text or already tried as positive): the positive run covered it.
            assert mode == schemathesis.GenerationMode.NEGATIVE
