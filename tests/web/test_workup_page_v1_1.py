"""The workup page and board under spec v1.1 (issue 9): recurring series with stop/resume, orders
completed by bedside entries, the treatment decision, triage findings and the cord-lesion message,
the triage weight confirmation."""

import re

import pytest

from orders.models import OPEN_STATUSES, Order, OrderSeries
from tests.factories import open_workup
from tests.web.conftest import assert_strict_csp_safe

pytestmark = pytest.mark.django_db


@pytest.fixture
def workup(users, ward, clock, broker):
    return open_workup(ward=ward, opened_by=users["physician"], triage={"facial_weakness": True})


def page_of(client, workup) -> str:
    response = client.get(f"/workups/{workup.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_lists_the_series_and_lets_a_physician_stop_and_resume_one(browser, workup):
    client = browser("physician")
    page = page_of(client, workup)
    assert 'data-series="resp_check" data-series-status="active"' in page
    assert f'action="/workups/{workup.pk}/series/resp_check/stop/"' in page

    response = client.post(f"/workups/{workup.pk}/series/resp_check/stop/", {"reason": "intubated on ICU"})
    assert response.status_code == 302
    page = page_of(client, workup)
    assert re.search(r"Respiratory checks stopped</strong> by physician at \d\d \w+ \d\d:\d\d, reason: intubated", page)
    assert not Order.objects.filter(workup=workup, series__key="resp_check", status__in=OPEN_STATUSES).exists()

    client.post(f"/workups/{workup.pk}/series/resp_check/resume/", {})
    assert OrderSeries.objects.get(workup=workup, key="resp_check").status == "active"
    assert_strict_csp_safe(page)


def test_a_stop_without_a_reason_says_so_and_changes_nothing(browser, workup):
    client = browser("physician")
    response = client.post(f"/workups/{workup.pk}/series/neuro_exam/stop/", {"reason": " "}, follow=True)
    assert "reason" in response.content.decode()
    assert OrderSeries.objects.get(workup=workup, key="neuro_exam").status == "active"


@pytest.mark.parametrize("role", ["nurse", "charge_nurse", "admin"])
def test_only_physicians_and_neurologists_see_and_may_use_stop(browser, workup, role):
    client = browser(role)
    assert "/series/resp_check/stop/" not in page_of(client, workup)
    assert client.post(f"/workups/{workup.pk}/series/resp_check/stop/", {"reason": "x"}).status_code == 403


def test_the_board_says_which_series_was_stopped_by_whom_and_why(browser, workup, users):
    from orders.services import series_stop

    series_stop(workup=workup, key="autonomic", by=users["physician"], reason="ICU monitor", now=workup.triaged_at)
    board = browser("nurse").get("/").content.decode()
    assert 'data-series="autonomic"' in board and "Autonomic monitoring stopped by physician" in board
    assert "reason: ICU monitor" in board


def test_orders_completed_by_entries_have_no_complete_button_but_say_what_completes_them(browser, workup):
    page = page_of(browser("nurse"), workup)
    baseline = Order.objects.get(workup=workup, key="resp_baseline")
    # one card per order (issue 10: actions behind one button per order)
    row = re.search(
        r'data-order-key="resp_baseline".*?(?=class="order-row|</ul>\s*(?:<h3>|</section>))', page, re.S
    ).group(0)
    assert f"/orders/{baseline.pk}/complete/" not in row
    assert "Completed by recording FVC or NIF" in row and "log a reading" in row


def test_the_treatment_decision_is_recorded_from_the_page_and_places_the_dose_orders(browser, workup):
    client = browser("neurologist")
    assert 'id="treatment"' in page_of(client, workup)

    client.post(f"/workups/{workup.pk}/treatment/", {"treatment": "ivig", "reason": "MRC falling"})

    page = page_of(client, workup)
    assert 'data-treatment="ivig"' in page
    assert Order.objects.filter(workup=workup, key="ivig_dose", status="pending").count() == 5
    assert "IVIG day 1 of 5: 28.0 g (0.4 g/kg × 70.0 kg = 28.0 g" in page


def test_a_failed_swallow_screen_can_be_recorded_from_the_order_row(browser, workup):
    swallow = workup.orders.get(key="swallow_screen")
    browser("nurse").post(f"/orders/{swallow.pk}/complete/", {"version": 1, "result": "", "passed": "no"})
    swallow.refresh_from_db()
    assert swallow.status == "completed" and swallow.result_data == {"passed": False}


def test_the_page_shows_the_triage_findings_and_the_cord_lesion_message(browser, users, ward, clock, broker):
    workup = open_workup(ward=ward, opened_by=users["physician"], triage={"sensory_level": True, "dyspnea": True})
    page = page_of(browser("nurse"), workup)
    section = re.search(r'<section class="panel" id="triage".*?</section>', page, re.S).group(0)
    assert 'id="cord-lesion-message"' in section and "cervical cord lesion" in section
    assert "sensory level" in section and "dyspnea" in section and "reflexes absent" in section


def test_the_triage_form_asks_to_confirm_an_implausible_weight_and_takes_the_confirmation(browser):
    body = {
        "condition": "suspected_gbs",
        "ward": "4N",
        "mrn": "W-1",
        "name": "Weight Check",
        "date_of_birth": "1970-01-01",
        "sex": "male",
        "height_cm": "180",
        "weight_kg": "30",
        "onset_of_weakness_on": "2026-11-20",
    }
    client = browser("physician")
    refused = client.post("/workups/new/", body)
    assert refused.status_code == 400
    assert "BMI of" in refused.content.decode() and 'name="confirm_unusual_weight"' in refused.content.decode()

    accepted = client.post("/workups/new/", {**body, "confirm_unusual_weight": "on"})
    assert accepted.status_code == 302
