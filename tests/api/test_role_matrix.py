"""Every endpoint for every role: 2xx / 401 / 403 / 404 (issue 3, "Who may do what").

Ward staff work on ward 4N; "theirs" is a workup there, "elsewhere" one on ward 5S. Admins span
wards. A role that may not perform an operation gets 403 whatever the object; a role that may,
gets 404 for another ward's object, so that existence does not leak.
"""

import pytest

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory, patient_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

ANON, NURSE, CHARGE, PHYS, NEURO, ADMIN = None, "nurse", "charge_nurse", "physician", "neurologist", "admin"
ALL_ROLES = [ANON, NURSE, CHARGE, PHYS, NEURO, ADMIN]


def triage_body(ward_code="4N"):
    patient = patient_data()
    patient["date_of_birth"] = patient["date_of_birth"].isoformat()
    return {"patient": patient, "ward": ward_code, "bed": "7", "onset_of_weakness_on": "2026-11-20", "triage": {}}


def first_order(workup):
    return workup.orders.order_by("id").first()


def stopped_series(workup):
    """The workup's swallow-screen series, stopped (once, through the service)."""
    from orders.models import OrderSeries
    from orders.services import series_stop

    series = OrderSeries.objects.get(workup=workup, key="swallow_screen")
    if series.status == "active":
        series_stop(workup=workup, key="swallow_screen", by=workup.opened_by, reason="NG tube", now=T0)
    return "swallow_screen"


def alert_of(workup):
    """An open HIGH alert on the workup (made once, through the alert service)."""
    from workup.clinical.rules import Finding, Severity
    from workup.models import Alert
    from workup.monitoring.services.alerts import alerts_raise

    existing = Alert.objects.filter(workup=workup).first()
    if existing is not None:
        return existing
    finding = Finding("mep_low", Severity.HIGH, "MEP low", "[S1]", "mep_cm_h2o", 35)
    return alerts_raise(workup=workup, findings=[finding], category="respiratory", by=None, now=T0)[0].alert


def group_of(workup):
    """The alert group of alert_of(workup)."""
    return alert_of(workup).group


def closed(workup):
    """The workup, closed (once) by a physician of its ward, to be reopened."""
    from workup.models import Workup
    from workup.services.closing import workup_close

    workup = Workup.objects.get(pk=workup.pk)
    if workup.status == "open":
        workup_close(workup=workup, by=workup.opened_by, outcome="transferred", now=T0)
    return workup


def _bedside(name, path_suffix, body):
    """GET and POST of a workup's bedside entries, on one's own ward and on another."""
    read = {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200}
    read_elsewhere = {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200}
    write = {ANON: 401, NURSE: 201, CHARGE: 201, PHYS: 201, NEURO: 201, ADMIN: 201}
    write_elsewhere = {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 201}
    return {
        f"list {name}, own ward": ("get", lambda w, o: f"/api/v1/workups/{w.pk}/{path_suffix}/", None, read),
        f"list {name}, another ward": (
            "get",
            lambda w, o: f"/api/v1/workups/{o.pk}/{path_suffix}/",
            None,
            read_elsewhere,
        ),
        f"record {name}, own ward": (
            "post",
            lambda w, o: f"/api/v1/workups/{w.pk}/{path_suffix}/",
            lambda w, o: body,
            write,
        ),
        f"record {name}, another ward": (
            "post",
            lambda w, o: f"/api/v1/workups/{o.pk}/{path_suffix}/",
            lambda w, o: body,
            write_elsewhere,
        ),
    }


# name → (method, path(theirs, elsewhere), body(theirs, elsewhere), {role: status})
MATRIX = {
    "list workups": (
        "get",
        lambda w, o: "/api/v1/workups/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "triage on own ward": (
        "post",
        lambda w, o: "/api/v1/workups/",
        lambda w, o: triage_body("4N"),
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 201, NEURO: 201, ADMIN: 201},
    ),
    "triage on another ward": (
        "post",
        lambda w, o: "/api/v1/workups/",
        lambda w, o: triage_body("5S"),
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 403, NEURO: 403, ADMIN: 201},
    ),
    "workup detail, own ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{w.pk}/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "workup detail, another ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{o.pk}/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "workup as FHIR, own ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{w.pk}/fhir/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "workup as FHIR, another ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{o.pk}/fhir/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "switch pathway, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/switch-pathway/",
        lambda w, o: {"condition": "suspected_cord_lesion", "reason": "Sensory level at T4"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "switch pathway, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/switch-pathway/",
        lambda w, o: {"condition": "suspected_cord_lesion", "reason": "Sensory level at T4"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "list orders": (
        "get",
        lambda w, o: "/api/v1/orders/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "order detail, own ward": (
        "get",
        lambda w, o: f"/api/v1/orders/{first_order(w).pk}/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "order detail, another ward": (
        "get",
        lambda w, o: f"/api/v1/orders/{first_order(o).pk}/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "start, own ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(w).pk}/start/",
        lambda w, o: {"version": 1},
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "start, another ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(o).pk}/start/",
        lambda w, o: {"version": 1},
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "complete, own ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{w.orders.get(key='labs').pk}/complete/",
        lambda w, o: {"result": "Na 138", "version": 1},
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "complete, another ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{o.orders.get(key='labs').pk}/complete/",
        lambda w, o: {"result": "Na 138", "version": 1},
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "not indicated, own ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(w).pk}/not-indicated/",
        lambda w, o: {"reason": "Done elsewhere", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "not indicated, another ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(o).pk}/not-indicated/",
        lambda w, o: {"reason": "Done elsewhere", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "cancel, own ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(w).pk}/cancel/",
        lambda w, o: {"reason": "Ordered twice", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "cancel, another ward": (
        "post",
        lambda w, o: f"/api/v1/orders/{first_order(o).pk}/cancel/",
        lambda w, o: {"reason": "Ordered twice", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "overdue dashboard": (
        "get",
        lambda w, o: "/api/v1/dashboard/overdue/",
        None,
        {ANON: 401, NURSE: 403, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    **_bedside("readings", "readings", {"fvc_ml": 4000}),
    **_bedside("assessments", "assessments", {"mrc_sum_score": 58}),
    **_bedside("vitals", "vitals", {"heart_rate": 80}),
    "list alerts": (
        "get",
        lambda w, o: "/api/v1/alerts/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "alert detail, own ward": (
        "get",
        lambda w, o: f"/api/v1/alerts/{alert_of(w).pk}/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "alert detail, another ward": (
        "get",
        lambda w, o: f"/api/v1/alerts/{alert_of(o).pk}/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "acknowledge alert, own ward": (
        "post",
        lambda w, o: f"/api/v1/alerts/{alert_of(w).pk}/acknowledge/",
        lambda w, o: {"version": 1},
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "acknowledge alert, another ward": (
        "post",
        lambda w, o: f"/api/v1/alerts/{alert_of(o).pk}/acknowledge/",
        lambda w, o: {"version": 1},
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "list series, own ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{w.pk}/series/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "list series, another ward": (
        "get",
        lambda w, o: f"/api/v1/workups/{o.pk}/series/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "stop series, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/series/neuro_exam/stop/",
        lambda w, o: {"reason": "Sedated on ICU"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "stop series, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/series/neuro_exam/stop/",
        lambda w, o: {"reason": "Sedated on ICU"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "resume series, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/series/{stopped_series(w)}/resume/",
        lambda w, o: {"reason": "Eating again"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "resume series, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/series/{stopped_series(o)}/resume/",
        lambda w, o: {},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "treatment decision, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/treatment-decision/",
        lambda w, o: {"treatment": "ivig", "reason": "MRC falling"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "treatment decision, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/treatment-decision/",
        lambda w, o: {"treatment": "plex"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "resolve alert, own ward": (
        "post",
        lambda w, o: f"/api/v1/alerts/{alert_of(w).pk}/resolve/",
        lambda w, o: {"resolution": "Reviewed", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "resolve alert, another ward": (
        "post",
        lambda w, o: f"/api/v1/alerts/{alert_of(o).pk}/resolve/",
        lambda w, o: {"resolution": "Reviewed", "version": 1},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "close workup, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/close/",
        lambda w, o: {"outcome": "transferred", "note": "to ICU"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "close workup, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/close/",
        lambda w, o: {"outcome": "transferred"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "reopen workup, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{closed(w).pk}/reopen/",
        lambda w, o: {"reason": "closed by mistake"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 403},
    ),
    "reopen workup, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{closed(o).pk}/reopen/",
        lambda w, o: {"reason": "closed by mistake"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 403},
    ),
    "assign nurse, own ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{w.pk}/assign-nurse/",
        lambda w, o: {"nurse": "nurse"},
        {ANON: 401, NURSE: 403, CHARGE: 200, PHYS: 403, NEURO: 403, ADMIN: 403},
    ),
    "assign nurse, another ward": (
        "post",
        lambda w, o: f"/api/v1/workups/{o.pk}/assign-nurse/",
        lambda w, o: {"nurse": None},
        {ANON: 401, NURSE: 403, CHARGE: 404, PHYS: 403, NEURO: 403, ADMIN: 403},
    ),
    "list alert groups": (
        "get",
        lambda w, o: "/api/v1/alert-groups/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "alert group detail, own ward": (
        "get",
        lambda w, o: f"/api/v1/alert-groups/{group_of(w).pk}/",
        None,
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "alert group detail, another ward": (
        "get",
        lambda w, o: f"/api/v1/alert-groups/{group_of(o).pk}/",
        None,
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "acknowledge alert group, own ward": (
        "post",
        lambda w, o: f"/api/v1/alert-groups/{group_of(w).pk}/acknowledge/",
        lambda w, o: {},
        {ANON: 401, NURSE: 200, CHARGE: 200, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "acknowledge alert group, another ward": (
        "post",
        lambda w, o: f"/api/v1/alert-groups/{group_of(o).pk}/acknowledge/",
        lambda w, o: {},
        {ANON: 401, NURSE: 404, CHARGE: 404, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
    "resolve alert group, own ward": (
        "post",
        lambda w, o: f"/api/v1/alert-groups/{group_of(w).pk}/resolve/",
        lambda w, o: {"resolution": "Reviewed"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 200, NEURO: 200, ADMIN: 200},
    ),
    "resolve alert group, another ward": (
        "post",
        lambda w, o: f"/api/v1/alert-groups/{group_of(o).pk}/resolve/",
        lambda w, o: {"resolution": "Reviewed"},
        {ANON: 401, NURSE: 403, CHARGE: 403, PHYS: 404, NEURO: 404, ADMIN: 200},
    ),
}

CASES = [
    pytest.param(name, role, expected[role], id=f"{name} as {role or 'anonymous'} -> {expected[role]}")
    for name, (_, _, _, expected) in MATRIX.items()
    for role in ALL_ROLES
]


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_role_matrix(api, workup, other_workup, name, role, expected):
    method, path, body, _ = MATRIX[name]
    client = api(role)
    kwargs = {"format": "json"} if method == "post" else {}
    data = body(workup, other_workup) if body else None

    response = getattr(client, method)(path(workup, other_workup), data, **kwargs)

    assert response.status_code == expected, response.content
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Token"
    if expected in (403, 404):
        assert set(response.json()) == {"detail"}


def test_the_matrix_covers_every_authenticated_api_route(workup, other_workup):
    from django.urls import get_resolver, resolve

    covered = {resolve(path(workup, other_workup)).view_name for _, path, _, _ in MATRIX.values()}
    every = {
        f"{namespace}:{name}"
        for namespace in ("workup_api", "orders_api")
        for name in get_resolver().namespace_dict[namespace][1].reverse_dict
        if isinstance(name, str)
    }
    # The token endpoint takes no credentials: tests/api/test_auth_token.py; revoking one's own
    # token needs no role: tests/security/test_api_tokens.py.
    assert covered == every - {"workup_api:token", "workup_api:token-revoke"}


def test_a_user_without_a_role_gets_403_everywhere(ward, workup):
    nobody = UserFactory(username="nobody", wards=[ward])
    client = client_for(nobody)
    assert client.get("/api/v1/workups/").status_code == 403
    assert client.get(f"/api/v1/workups/{workup.pk}/").status_code == 403
    assert client.get("/api/v1/orders/").status_code == 403
    assert client.get("/api/v1/dashboard/overdue/").status_code == 403


def test_a_superuser_counts_as_admin(workup, other_workup):
    root = UserFactory(username="root", is_superuser=True)
    client = client_for(root)
    assert client.get(f"/api/v1/workups/{other_workup.pk}/").status_code == 200
    assert client.get("/api/v1/dashboard/overdue/").status_code == 200


def test_session_authentication_works_for_the_web_ui(users, workup):
    client = client_for(None)
    client.force_login(users["nurse"])
    assert client.get(f"/api/v1/workups/{workup.pk}/").status_code == 200


def test_an_invalid_token_is_401(workup):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/workups/")
    assert response.status_code == 401
