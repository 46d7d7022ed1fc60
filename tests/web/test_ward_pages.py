"""The board sorted by urgency (search, "my patients", STAT and cord flags), managing a workup from
its page (close, reopen, assign), the closed list, the handover sheet, a 403 in one log line, and
the role matrix of the web routes this issue added."""

import datetime as dt
import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services import order_cancel
from orders.services.series_control import series_stop
from tests.conftest import T0
from tests.factories import open_workup
from tests.web.conftest import assert_strict_csp_safe
from workup.models import AlertGroup, Workup
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def board_order(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-workup-id="(\d+)"', page)]


def test_the_board_puts_open_crit_first_then_high_then_the_most_overdue(browser, users, ward, clock):
    # given: a quiet patient triaged long ago (most overdue), one with HIGH, one with CRIT
    quiet = open_workup(ward=ward, opened_by=users["physician"], now=T0 - dt.timedelta(hours=10), patient={"mrn": "Q"})
    high = open_workup(ward=ward, opened_by=users["physician"], patient={"mrn": "H"})
    crit = open_workup(ward=ward, opened_by=users["physician"], patient={"mrn": "C"})
    fresh = open_workup(ward=ward, opened_by=users["physician"], now=T0 + dt.timedelta(minutes=5))
    nurse = browser("nurse")
    nurse.post(f"/workups/{high.pk}/readings/new/", {"mep_cm_h2o": "30"})  # mep_low: HIGH
    nurse.post(f"/workups/{crit.pk}/readings/new/", {"fvc_ml": "900"})  # CRIT

    page = nurse.get("/").content.decode()

    assert board_order(page) == [crit.pk, high.pk, quiet.pk, fresh.pk]
    assert 'data-alert-severity="CRIT"' in page
    # acknowledged, the CRIT patient stays above the HIGH one
    group = AlertGroup.objects.get(workup=crit)
    nurse.post(f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version})
    assert board_order(nurse.get("/").content.decode())[:2] == [crit.pk, high.pk]


def test_the_board_shows_stat_and_the_cord_red_flag(browser, users, ward, clock):
    flagged = open_workup(ward=ward, opened_by=users["physician"], triage={"sensory_level": True})
    page = browser("nurse").get("/board/rows/", headers=HX).content.decode()
    row = re.search(rf'<tr data-workup-id="{flagged.pk}".*?</tr>', page, re.S).group(0)
    assert '<span class="flag flag-stat">STAT</span>' in row
    assert ">Cord red flag</span>" in row


def test_board_search_by_mrn_name_or_bed(browser, users, ward, clock):
    ada = open_workup(ward=ward, opened_by=users["physician"], patient={"mrn": "ADA-77", "name": "Ada Lovelace"})
    bob = open_workup(ward=ward, opened_by=users["physician"], patient={"name": "Bob Byte"}, triage={"bed": "3B"})
    nurse = browser("nurse")
    assert board_order(nurse.get("/?q=ada-7").content.decode()) == [ada.pk]
    assert board_order(nurse.get("/?q=lovelace").content.decode()) == [ada.pk]
    assert board_order(nurse.get("/?q=3b").content.decode()) == [bob.pk]
    assert "No open workup matches." in nurse.get("/?q=nobody").content.decode()
    # the live refresh of the rows keeps the search
    assert 'hx-get="/board/rows/?q=3b"' in nurse.get("/?q=3b").content.decode()


def test_my_patients_once_the_charge_nurse_assigned_some(browser, users, ward, clock):
    mine = open_workup(ward=ward, opened_by=users["physician"])
    open_workup(ward=ward, opened_by=users["physician"])
    nurse = browser("nurse")
    assert 'id="my-patients"' not in nurse.get("/").content.decode()

    workup_assign_nurse(workup=mine, nurse=users["nurse"], by=users["charge_nurse"], now=T0)

    page = nurse.get("/").content.decode()
    assert 'id="my-patients"' in page
    assert board_order(nurse.get("/?mine=1").content.decode()) == [mine.pk]


def test_board_rows_cost_the_same_queries_with_search_and_groups(browser, users, ward, clock):
    client = browser("nurse")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/board/rows/?q=MRN", headers=HX).status_code == 200
        return len(captured)

    w = open_workup(ward=ward, opened_by=users["physician"], triage={"sensory_level": True})
    client.post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900"})
    one = queries()
    for _ in range(19):
        w = open_workup(ward=ward, opened_by=users["physician"])
        client.post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900"})
    assert queries() == one


# --- The workup page --------------------------------------------------------------------------------


@pytest.fixture
def workup(users, ward, clock):
    return open_workup(ward=ward, opened_by=users["physician"], triage={"sensory_level": True, "facial_weakness": True})


def test_the_page_shows_the_cord_message_the_triage_findings_and_who_did_what(browser, users, workup):
    order = workup.orders.get(key="labs")
    order_cancel(order=order, by=users["physician"], reason="done in ED", now=T0)
    page = browser("nurse").get(f"/workups/{workup.pk}/").content.decode()
    assert 'id="cord-lesion-message"' in page and "Consider a cervical cord lesion" in page
    triage = re.search(r'<section class="panel" id="triage".*?</section>', page, re.S).group(0)
    assert "sensory level" in triage and "facial weakness" in triage and "reflexes absent" in triage
    assert "Cancelled by" in page and "done in ED" in page
    # actions sit behind one button per open order
    assert page.count('<details class="order-actions"') == workup.orders.filter(status="pending").count()


@pytest.mark.parametrize(("role", "sees"), [("nurse", False), ("charge_nurse", False), ("physician", True)])
def test_close_is_offered_to_physicians_and_neurologists(browser, workup, role, sees):
    assert ('id="close-workup"' in browser(role).get(f"/workups/{workup.pk}/").content.decode()) == sees


def test_closing_from_the_page_takes_the_workup_off_the_board(browser, workup):
    doc = browser("physician")
    response = doc.post(
        f"/workups/{workup.pk}/close/", {"outcome": "alternative_diagnosis", "note": "B12", "version": workup.version}
    )
    assert response.status_code == 302
    workup.refresh_from_db()
    assert (workup.status, workup.close_outcome) == ("closed", "alternative_diagnosis")
    assert f'data-workup-id="{workup.pk}"' not in doc.get("/").content.decode()
    page = doc.get(f"/workups/{workup.pk}/").content.decode()
    assert re.search(r'id="workup-status">Closed: Alternative diagnosis<', page)
    assert 'id="reopen-workup"' in page


def test_a_close_without_an_outcome_says_so_at_the_top_and_keeps_the_note(browser, workup):
    response = browser("physician").post(f"/workups/{workup.pk}/close/", {"outcome": "", "note": "typed this"})
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="toasts".*The workup was not closed', page, re.S)
    assert "typed this" in page and '<details class="disclosure" id="close-workup" open>' in page


def test_reopen_from_the_page_within_24_h(browser, users, workup, clock):
    workup_close(workup=workup, by=users["physician"], outcome="transferred", now=T0)
    clock.shift(dt.timedelta(hours=2))
    response = browser("neurologist").post(f"/workups/{workup.pk}/reopen/", {"reason": "came back"})
    assert response.status_code == 302
    workup.refresh_from_db()
    assert workup.status == "open"


def test_reopen_after_24_h_is_refused_in_words(browser, users, workup, clock):
    workup_close(workup=workup, by=users["physician"], outcome="transferred", now=T0)
    clock.shift(dt.timedelta(hours=25))
    page = browser("physician").get(f"/workups/{workup.pk}/").content.decode()
    assert 'id="reopen-workup"' not in page
    response = browser("physician").post(f"/workups/{workup.pk}/reopen/", {"reason": "came back"})
    assert response.status_code == 409
    assert "only within 24 h" in response.content.decode()


def test_the_charge_nurse_assigns_a_nurse_from_the_page(browser, users, workup):
    charge = browser("charge_nurse")
    page = charge.get(f"/workups/{workup.pk}/").content.decode()
    assert 'id="assign-form"' in page and '<option value="nurse">' in page
    assert 'id="assign-form"' not in browser("nurse").get(f"/workups/{workup.pk}/").content.decode()

    assert charge.post(f"/workups/{workup.pk}/assign-nurse/", {"nurse": "nurse"}).status_code == 302
    workup.refresh_from_db()
    assert workup.assigned_nurse == users["nurse"]
    refused = charge.post(f"/workups/{workup.pk}/assign-nurse/", {"nurse": "physician"})
    assert refused.status_code == 400 and "is not a nurse on ward 4N" in refused.content.decode()


# --- Closed list and handover --------------------------------------------------------------------


def test_the_closed_list_with_search(browser, users, ward, clock):
    kept = open_workup(ward=ward, opened_by=users["physician"], patient={"mrn": "CL-1", "name": "Closed Carla"})
    other = open_workup(ward=ward, opened_by=users["physician"])
    for w in (kept, other):
        workup_close(workup=w, by=users["physician"], outcome="died", now=T0)
    client = browser("nurse")
    page = client.get("/workups/closed/").content.decode()
    assert f'data-workup-id="{kept.pk}"' in page and f'data-workup-id="{other.pk}"' in page
    page = client.get("/workups/closed/?q=carla").content.decode()
    assert f'data-workup-id="{kept.pk}"' in page and f'data-workup-id="{other.pk}"' not in page
    assert "Died" in page
    assert_strict_csp_safe(page)


def test_the_closed_list_and_the_inbox_cost_the_same_queries_for_1_and_20(browser, users, ward, clock):
    from tests.web.test_forms_and_alerts import _notify

    client = browser("physician")

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    counts = {}
    for n in range(20):
        w = open_workup(ward=ward, opened_by=users["physician"])
        _notify(users["physician"], w, title=f"page {n}")
        workup_close(workup=w, by=users["physician"], outcome="died", now=T0)
        if n == 0:
            counts = {path: queries(path) for path in ("/workups/closed/", "/notifications/")}
    for n in range(20):
        _notify(users["physician"], w, title=f"again {n}")  # unread again: the inbox marks them
    assert {path: queries(path) for path in counts} == counts


def test_the_handover_sheet_lists_per_patient_orders_readings_alerts_and_stopped_series(browser, users, workup):
    nurse = browser("nurse")
    nurse.post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "1300", "nif_cm_h2o": "25"})
    series_stop(workup=workup, key="swallow_screen", by=users["physician"], reason="NG tube in place", now=T0)

    response = nurse.get("/wards/4N/handover/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-workup-id="{workup.pk}"' in page
    assert "1300 mL = 18.4 mL/kg IBW" in page and "-25 cmH₂O" in page
    assert ">CRIT</span>" in page and "NIF −25 cmH2O (weaker than −30)" in page
    assert "Stopped series" in page and "NG tube in place" in page
    assert "data-print" in page
    assert_strict_csp_safe(page)
    assert browser("outsider").get("/wards/4N/handover/").status_code == 404


def test_the_handover_sheet_costs_the_same_queries_for_1_and_20_patients(browser, users, ward, clock):
    client = browser("nurse")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/wards/4N/handover/").status_code == 200
        return len(captured)

    for n in range(20):
        w = open_workup(ward=ward, opened_by=users["physician"])
        client.post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900", "nif_cm_h2o": "20"})
        if n == 0:
            one = queries()
    assert queries() == one


# --- 403 in one line ---------------------------------------------------------------------------------


def test_a_403_logs_one_line_naming_the_user_and_why(browser, caplog):
    from workup.web.logging import ForbiddenOneLine

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = browser("nurse").get("/workups/new/")
    assert response.status_code == 403
    assert "This page is not for your role" in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    ForbiddenOneLine().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == (
        "Forbidden (Permission denied): /workups/new/ (user nurse: Your role may not open workups (triage).)"
    )


# --- Role matrix of the web routes this issue added ---------------------------------------------

WEB_ROUTES = {
    # name: (method, path(workup, group), body, {role: status})
    "live": ("get", lambda w, g: "/live/", None, {"nurse": 200, "charge_nurse": 200, "physician": 200, "admin": 200}),
    "handover": (
        "get",
        lambda w, g: "/wards/4N/handover/",
        None,
        {"nurse": 200, "charge_nurse": 200, "physician": 200, "admin": 200, "outsider": 404},
    ),
    "closed list": (
        "get",
        lambda w, g: "/workups/closed/",
        None,
        {"nurse": 200, "charge_nurse": 200, "physician": 200, "admin": 200, "outsider": 200},
    ),
    "acknowledge group": (
        "post",
        lambda w, g: f"/alert-groups/{g.pk}/acknowledge/",
        {},
        {"nurse": 302, "charge_nurse": 302, "physician": 302, "admin": 302, "outsider": 404},
    ),
    "resolve group": (
        "post",
        lambda w, g: f"/alert-groups/{g.pk}/resolve/",
        {"resolution": "ok"},
        {"nurse": 403, "charge_nurse": 403, "physician": 302, "neurologist": 302, "admin": 302, "outsider": 404},
    ),
    "close": (
        "post",
        lambda w, g: f"/workups/{w.pk}/close/",
        {"outcome": "died"},
        {"nurse": 403, "charge_nurse": 403, "physician": 302, "neurologist": 302, "admin": 403, "outsider": 404},
    ),
    "reopen": (
        "post",
        lambda w, g: f"/workups/{w.pk}/reopen/",
        {"reason": "x"},
        {"nurse": 403, "charge_nurse": 403, "physician": 409, "admin": 403, "outsider": 404},
    ),
    "assign nurse": (
        "post",
        lambda w, g: f"/workups/{w.pk}/assign-nurse/",
        {"nurse": "nurse"},
        {"nurse": 403, "charge_nurse": 302, "physician": 403, "admin": 403},
    ),
}


@pytest.mark.parametrize(
    ("name", "role", "expected"),
    [(name, role, status) for name, (_, _, _, roles) in WEB_ROUTES.items() for role, status in roles.items()],
)
def test_web_role_matrix(browser, users, ward, clock, name, role, expected):
    workup = open_workup(ward=ward, opened_by=users["physician"])
    browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "900"})
    group = AlertGroup.objects.get(workup=workup)
    method, path, body, _ = WEB_ROUTES[name]
    response = getattr(browser(role), method)(path(workup, group), body or {})
    assert response.status_code == expected
    anonymous = getattr(browser(None), method)(path(workup, group), body or {})
    assert anonymous.status_code in (302, 401)
    assert Workup.objects.get(pk=workup.pk).status == ("closed" if name == "close" and expected == 302 else "open")
