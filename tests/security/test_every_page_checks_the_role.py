"""Issue 11 item 2: every web page and htmx fragment checks the role, and a user with no role (or a
ward-bound role and no ward) gets 403 and no patient data anywhere, web or API.

The cases are generated from the URL conf: a route that is not in PAGES (web) and not an API
route with an ``operations`` map fails test_every_route_is_in_the_matrix, so a new page cannot be
forgotten. Which roles may use a page comes from workup.api.permissions (the same matrix as the
API); the Django admin (tests/security/test_admin_site.py) and the public routes are left out."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import client_for
from tests.factories import UserFactory, open_workup
from workup.api.permissions import ALLOWED_ROLES, Operation
from workup.monitoring.services.readings import reading_record
from workup.roles import Role

pytestmark = pytest.mark.django_db

# Public or covered elsewhere: the admin, the schema and docs, the health probe, log-in and log-out,
# and /metrics (counts only, behind its own token or network rule: tests/ops).
PUBLIC_PREFIXES = (
    "admin/",
    "api/schema/",
    "api/docs/",
    "healthz",
    "accounts/login/",
    "accounts/logout/",
    "metrics",
    "favicon.ico",
)
# API routes that need no role by design: getting a token, revoking one's own.
NO_ROLE_NEEDED = {"workup_api:token", "workup_api:token-revoke"}

# Web route → {method: the operation it performs}.
PAGES = {
    "web:board": {"GET": Operation.READ},
    "web:board-rows": {"GET": Operation.READ},
    "web:triage": {"GET": Operation.TRIAGE, "POST": Operation.TRIAGE},
    "web:workup": {"GET": Operation.READ},
    "web:reading-new": {"GET": Operation.RECORD_BEDSIDE, "POST": Operation.RECORD_BEDSIDE},
    "web:order-start": {"POST": Operation.ORDER_START},
    "web:order-complete": {"POST": Operation.ORDER_COMPLETE},
    "web:order-not-indicated": {"POST": Operation.ORDER_NOT_INDICATED},
    "web:alert-banner": {"GET": Operation.READ},
    "web:alert-group-acknowledge": {"POST": Operation.ALERT_ACKNOWLEDGE},
    "web:alert-group-resolve": {"POST": Operation.ALERT_RESOLVE},
    "web:live": {"GET": Operation.READ},
    "web:closed-workups": {"GET": Operation.READ},
    "web:handover": {"GET": Operation.READ},
    "web:workup-close": {"POST": Operation.WORKUP_CLOSE},
    "web:workup-reopen": {"POST": Operation.WORKUP_CLOSE},
    "web:workup-assign-nurse": {"POST": Operation.NURSE_ASSIGN},
    "web:switch-pathway": {"GET": Operation.PATHWAY_SWITCH, "POST": Operation.PATHWAY_SWITCH},
    "web:series-stop": {"POST": Operation.SERIES_STOP},
    "web:series-resume": {"POST": Operation.SERIES_STOP},
    "web:treatment-decide": {"POST": Operation.TREATMENT_DECIDE},
    "notifications:inbox": {"GET": Operation.READ, "POST": Operation.READ},
    "dashboard:overdue": {"GET": Operation.OVERDUE_DASHBOARD},
    "dashboard:overdue-rows": {"GET": Operation.OVERDUE_DASHBOARD},
    "dashboard:compliance": {"GET": Operation.OVERDUE_DASHBOARD},
}
STAFF = ["nurse", "charge_nurse", "physician", "neurologist", "admin"]
# Signed in, but nobody on any ward: a ward account with no role, a physician with no ward.
UNPLACED = ["no_role", "no_ward"]
PATIENT = {"mrn": "H9990001", "name": "Geheime Patiënt"}


def routes(patterns=None, prefix="", namespace=""):
    """(name, route, pattern) for every URL the app answers, walked from the root URL conf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and not route.startswith(PUBLIC_PREFIXES):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route, pattern


ROUTES = sorted(routes(), key=lambda r: r[0])
API = {name: pattern for name, route, pattern in ROUTES if route.startswith("api/") and name not in NO_ROLE_NEEDED}
WEB = {name: route for name, route, _ in ROUTES if not route.startswith("api/")}


def test_every_route_is_in_the_matrix():
    assert set(WEB) == set(PAGES), "a web page without a role rule: add it to PAGES"
    for name, pattern in API.items():
        assert getattr(pattern.callback, "cls", None) is not None, name
        assert pattern.callback.cls.operations, f"{name} has no operations map (workup.api.permissions)"


class World:
    """One open workup on ward 4N, and only what a case asks for: its CRIT alert (the banner, the
    inbox), the user of the role under test. Built per test, so kept lean."""

    MAKERS = {
        "charge_nurse": lambda ward: UserFactory(username="charge", role=Role.CHARGE_NURSE, wards=[ward]),
        "neurologist": lambda ward: UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward]),
        "admin": lambda ward: UserFactory(username="it", role=Role.ADMIN),
        "no_role": lambda ward: UserFactory(username="newcomer", wards=[ward]),
        "no_ward": lambda ward: UserFactory(username="locum", role=Role.PHYSICIAN),
    }

    def __init__(self, *, ward, physician, nurse):
        self.ward, self.nurse = ward, nurse
        self.workup = open_workup(ward=ward, opened_by=physician, patient=PATIENT)
        self.users = {"nurse": nurse, "physician": physician}
        self._alert = None

    def user(self, who: str):
        if who not in self.users:
            self.users[who] = self.MAKERS[who](self.ward)
        return self.users[who]

    @property
    def alert(self):
        if self._alert is None:  # a CRIT vital capacity: the banner shows it, the inbox pages it
            self._alert = reading_record(workup=self.workup, data={"fvc_ml": 900}, by=self.nurse).alert_changes[0]
            self._alert = self._alert.alert
        return self._alert

    def value(self, key: str):
        if key == "workup_id":
            return self.workup.pk
        if key == "order_id":
            return self.workup.orders.order_by("id").first().pk
        if key == "alert_id":
            return self.alert.pk
        if key == "group_id":
            return self.alert.group_id
        if key == "ward_code":
            return self.ward.code
        if key == "key":
            return self.workup.series.order_by("id").first().key
        raise KeyError(key)


@pytest.fixture
def world(ward, physician, nurse):
    return World(ward=ward, physician=physician, nurse=nurse)


def url_for(route: str, name: str, world: World) -> str:
    def value(key: str):
        if key != "pk":
            return world.value(key)
        # The API names every id "pk": which object it means follows from the route.
        if route.startswith("api/v1/orders/"):
            return world.value("order_id")
        if route.startswith("api/v1/alerts/"):
            return world.value("alert_id")
        if route.startswith("api/v1/alert-groups/"):
            return world.value("group_id")
        if route.startswith("api/v1/notifications/"):
            return 1
        return world.value("workup_id")

    path = re.sub(r"<(?:int|slug|str):(\w+)>", lambda match: str(value(match.group(1))), route)
    assert "<" not in path, f"{name}: no value for a parameter of {route}"
    return "/" + path


def request(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


def shows_no_patient(response) -> bool:
    body = response.content.decode(errors="replace")
    return PATIENT["name"] not in body and PATIENT["mrn"] not in body


WEB_CASES = [(name, method) for name, methods in sorted(PAGES.items()) for method in methods]


@pytest.mark.parametrize("who", [*STAFF, *UNPLACED, None])
@pytest.mark.parametrize(("name", "method"), WEB_CASES, ids=[f"{m} {n}" for n, m in WEB_CASES])
def test_every_web_page_and_fragment_checks_the_role(world, name, method, who):
    if who in UNPLACED:
        assert world.alert  # the banner, the alert list and the inbox have a patient to leak
    url = url_for(WEB[name], name, world)
    client = Client()
    if who is not None:
        client.force_login(world.user(who))
    response = request(client, method, url)

    if who is None and name == "web:live":
        # The live poll never answers with a login page: 401 JSON, and the page goes to log in.
        assert response.status_code == 401 and response.json()["login_url"] == "/accounts/login/"
    elif who is None:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif who in UNPLACED:
        assert response.status_code == 403
        assert shows_no_patient(response)
    elif Role(who) in ALLOWED_ROLES[PAGES[name][method]]:
        assert response.status_code not in (401, 403) and response.status_code < 500, response.status_code
    else:
        assert response.status_code == 403
        assert shows_no_patient(response)


API_CASES = [(name, method) for name, pattern in sorted(API.items()) for method in pattern.callback.cls.operations]


@pytest.mark.parametrize("who", UNPLACED)
@pytest.mark.parametrize(("name", "method"), API_CASES, ids=[f"{m} {n}" for n, m in API_CASES])
def test_unplaced_accounts_get_403_and_nothing_from_the_api(world, name, method, who):
    assert world.alert
    url = url_for(next(route for n, route, _ in ROUTES if n == name), name, world)
    response = request(client_for(world.user(who)), method, url)
    assert response.status_code == 403
    assert shows_no_patient(response)


def test_the_banner_and_inbox_no_longer_show_patients_to_an_account_without_a_role(world):
    # the two pages that did (issue 11)
    assert world.alert  # a CRIT alert the banner would show
    client = Client()
    client.force_login(world.user("no_role"))
    for url in ("/alerts/banner/", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 403 and shows_no_patient(response)


def test_a_staff_member_with_a_ward_still_sees_the_banner(world):
    assert world.alert
    client = Client()
    client.force_login(world.user("nurse"))
    response = client.get("/alerts/banner/")
    assert response.status_code == 200 and PATIENT["name"] in response.content.decode()
