"""The workup page: header and scores, orders by status with one-click actions, conflicts, the
VC chart and the audit timeline; role and ward rules as in the API."""

import datetime as dt
import re

import pytest

from orders.models import OrderStatus
from orders.services import order_start
from tests.factories import open_workup
from tests.web.conftest import ROLES, assert_strict_csp_safe
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def workup(users, ward, clock):
    return open_workup(ward=ward, opened_by=users["physician"], triage={"mrc_sum_score": 40})


def _order(workup, key="mri_spine"):
    return workup.orders.get(key=key)


@pytest.mark.parametrize("role", ROLES)
def test_page_renders_for_every_role_on_the_ward(browser, workup, role):
    response = browser(role).get(f"/workups/{workup.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert workup.patient.name in page and workup.patient.mrn in page
    assert "70.0 kg" in page  # weight
    assert "Ideal body weight" in page and "70.6 kg" in page  # Devine, 175 cm male
    assert 'id="score-egris"' in page and "/7 · " in page
    assert '<svg id="vc-chart"' in page
    assert 'id="audit-timeline"' in page and "opened" in page
    for order in workup.orders.all():
        assert f'data-order-key="{order.key}"' in page
    assert_strict_csp_safe(page)


def test_another_wards_workup_is_404_and_anonymous_is_sent_to_login(browser, workup):
    assert browser("outsider").get(f"/workups/{workup.pk}/").status_code == 404
    assert browser(None).get(f"/workups/{workup.pk}/").status_code == 302
    assert browser("nurse").get("/workups/999999/").status_code == 404


def test_buttons_follow_the_role(browser, workup):
    row = _row(browser("nurse").get(f"/workups/{workup.pk}/").content.decode(), "mri_spine")
    assert ">Start</button>" in row and ">Complete</button>" in row and 'name="result"' in row
    assert "Not indicated</button>" not in row
    row = _row(browser("physician").get(f"/workups/{workup.pk}/").content.decode(), "mri_spine")
    assert "Not indicated</button>" in row and 'name="reason"' in row


def _row(page: str, key: str) -> str:
    """One order's card: from its data-order-key to the next order's (or the end of the list)."""
    match = re.search(rf'data-order-key="{key}".*?(?=class="order-row|</ul>\s*(?:<h3>|\s*</section>))', page, re.S)
    assert match, f"no row for {key}"
    return match.group(0)


def test_overdue_minutes_are_shown(browser, workup, clock):
    order = _order(workup)
    clock.move_to(order.due_at + dt.timedelta(minutes=17))
    row = _row(browser("nurse").get(f"/workups/{workup.pk}/").content.decode(), "mri_spine")
    assert "17 min overdue" in row


def test_nurse_starts_and_completes_an_order(browser, workup):
    order = _order(workup)
    client = browser("nurse")
    response = client.post(f"/orders/{order.pk}/start/", {"version": order.version})
    assert response.status_code == 302 and response["Location"] == f"/workups/{workup.pk}/#order-{order.pk}"
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS
    response = client.post(f"/orders/{order.pk}/complete/", {"version": order.version, "result": "No cord lesion"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.result == "No cord lesion"
    page = client.get(f"/workups/{workup.pk}/").content.decode()
    assert "No cord lesion" in page and "completed" in page


def test_complete_without_a_result_shows_the_error_in_place(browser, workup):
    order = _order(workup)
    response = browser("nurse").post(f"/orders/{order.pk}/complete/", {"version": order.version, "result": "  "})
    assert response.status_code == 400
    row = _row(response.content.decode(), "mri_spine")
    assert "This field is required" in row
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_physician_marks_not_indicated_with_a_reason(browser, workup):
    order = _order(workup)
    response = browser("physician").post(
        f"/orders/{order.pk}/not-indicated/", {"version": order.version, "reason": "Imaged elsewhere today"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.NOT_INDICATED and order.reason == "Imaged elsewhere today"


def test_nurse_may_not_mark_not_indicated(browser, workup):
    order = _order(workup)
    response = browser("nurse").post(f"/orders/{order.pk}/not-indicated/", {"version": order.version, "reason": "x"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_another_wards_order_is_404(browser, workup):
    order = _order(workup)
    response = browser("outsider").post(f"/orders/{order.pk}/start/", {"version": order.version})
    assert response.status_code == 404


def test_order_actions_are_post_only(browser, workup):
    assert browser("nurse").get(f"/orders/{_order(workup).pk}/start/").status_code == 405


def test_stale_version_shows_a_conflict_and_keeps_what_was_typed(browser, users, workup):
    order = _order(workup)
    page_version = order.version
    order_start(order=order, by=users["charge_nurse"], version=page_version)  # someone else, meanwhile
    response = browser("nurse").post(
        f"/orders/{order.pk}/complete/", {"version": page_version, "result": "Normal MRI of the spine"}
    )
    assert response.status_code == 409
    row = _row(response.content.decode(), "mri_spine")
    assert 'class="conflict"' in row
    assert 'value="Normal MRI of the spine"' in row
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS
    # the form now carries the current version: submitting again works
    assert f'name="version" value="{order.version}"' in row


def test_illegal_transition_is_a_readable_conflict(browser, users, workup):
    order = _order(workup)
    client = browser("nurse")
    client.post(f"/orders/{order.pk}/complete/", {"version": order.version, "result": "done"})
    response = client.post(f"/orders/{order.pk}/start/", {"version": order.version + 1})
    assert response.status_code == 409
    assert "cannot go from" in _row(response.content.decode(), "mri_spine")


def test_chart_plots_readings_with_thresholds_and_best_marker(browser, users, workup, clock):
    for fvc, nif in ((3500, -60), (2800, -45), (1500, -25)):
        reading_record(workup=workup, data={"fvc_ml": fvc, "nif_cm_h2o": nif}, by=users["nurse"])
        clock.shift(dt.timedelta(hours=2))
    page = browser("nurse").get(f"/workups/{workup.pk}/").content.decode()
    svg = re.search(r'<svg id="vc-chart".*?</svg>', page, re.S).group(0)
    assert svg.count('class="fvc-point"') == 3 and svg.count('class="nif-point"') == 3
    assert 'class="threshold threshold-fvc"' in svg and 'class="threshold threshold-nif"' in svg
    assert 'id="vc-best"' in svg
    assert "style=" not in svg
