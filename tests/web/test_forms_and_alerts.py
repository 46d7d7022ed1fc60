"""Logging a reading, the alert banner and acknowledging, the inbox, and the triage form."""

import re

import pytest

from notifications.models import Channel, Notification
from tests.factories import open_workup
from tests.web.conftest import assert_strict_csp_safe
from workup.models import Alert, RespiratoryReading, Workup

pytestmark = pytest.mark.django_db


@pytest.fixture
def workup(users, ward, clock):
    return open_workup(ward=ward, opened_by=users["physician"])


# --- Log a reading -------------------------------------------------------------------------------


def test_reading_form_has_labelled_inputs_with_units(browser, workup):
    response = browser("nurse").get(f"/workups/{workup.pk}/readings/new/")
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("fvc_ml", "nif_cm_h2o", "mep_cm_h2o", "single_breath_count", "respiratory_rate", "spo2_percent"):
        assert f'name="{name}"' in page and f'for="id_{name}"' in page
    assert "FVC (mL)" in page and "cmH₂O" in page and "breaths/min" in page and "SpO₂ (%)" in page
    assert ">Save reading</button>" in page
    assert_strict_csp_safe(page)


def test_saving_a_falling_vc_shows_findings_and_the_crit_alert(browser, workup):
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "900", "nif_cm_h2o": "-20"})
    page = response.content.decode()
    assert response.status_code == 200
    result = re.search(r'<section id="reading-result".*?</section>', page, re.S).group(0)
    assert ">CRIT</span>" in result
    alert = Alert.objects.filter(workup=workup, severity="CRIT").first()
    assert f'data-alert-id="{alert.pk}"' in result
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1
    # the patient's alert group is in the banner on the same response, one line with one Acknowledge
    banner = re.search(r'<div id="alert-banner".*?</main>', page, re.S).group(0)
    assert banner.count("data-alert-group-id=") == 1
    assert f'data-alert-group-id="{alert.group_id}"' in banner and banner.count(">Acknowledge<") == 1
    assert_strict_csp_safe(page)


def test_bad_reading_shows_errors_in_place_and_keeps_values(browser, workup):
    response = browser("nurse").post(
        f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "2.5", "respiratory_rate": "abc", "spo2_percent": "97"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_respiratory_rate-errors"' in page or "whole number" in page
    assert 'value="2.5"' in page and 'value="97"' in page
    assert RespiratoryReading.objects.count() == 0


def test_service_range_errors_come_back_beside_the_field(browser, workup):
    response = browser("nurse").post(
        f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "2.5", "respiratory_rate": "200"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_fvc_ml-errors"><li>[^<]*(litre|L)', page)
    assert 'id="id_respiratory_rate-errors"' in page
    assert 'value="200"' in page


def test_empty_reading_is_refused_with_a_message(browser, workup):
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {})
    assert response.status_code == 400
    assert "Give at least one measurement" in response.content.decode()


def test_reading_on_another_ward_is_404(browser, workup):
    assert browser("outsider").get(f"/workups/{workup.pk}/readings/new/").status_code == 404
    assert browser("outsider").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "3000"}).status_code == 404


# --- Reading form: taken at, NIF sign, errors in words -----------------------------------------------


def test_taken_at_defaults_to_now_in_the_wards_zone_and_may_be_back_dated(browser, workup, clock):
    client = browser("nurse")
    page = client.get(f"/workups/{workup.pk}/readings/new/").content.decode()
    # T0 is 08:00 UTC: 09:00 in Amsterdam
    assert 'name="taken_at" value="2026-11-24T09:00"' in page
    assert 'min="2026-11-23T09:00"' in page and 'max="2026-11-24T09:00"' in page

    response = client.post(f"/workups/{workup.pk}/readings/new/", {"taken_at": "2026-11-24T07:30", "fvc_ml": "3000"})

    assert response.status_code == 200, response.content.decode()
    reading = RespiratoryReading.objects.get(workup=workup)
    assert reading.taken_at.isoformat() == "2026-11-24T06:30:00+00:00"


@pytest.mark.parametrize(
    ("taken_at", "words"),
    [("2026-11-23T08:59", "at most 24 hours"), ("2026-11-24T10:00", "in the future"), ("yesterday", "valid date")],
)
def test_taken_at_outside_24_h_or_in_the_future_is_refused_in_words(browser, workup, taken_at, words):
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"taken_at": taken_at, "fvc_ml": "3000"})
    assert response.status_code == 400
    assert re.search(rf'id="id_taken_at-errors"><li>[^<]*{words}', response.content.decode())
    assert not RespiratoryReading.objects.exists()


@pytest.mark.parametrize("typed", ["25", "-25"])
def test_nif_is_typed_without_its_sign_on_a_phone_and_recorded_negative(browser, workup, typed):
    page = browser("nurse").get(f"/workups/{workup.pk}/readings/new/").content.decode()
    nif_input = re.search(r'<input[^>]*name="nif_cm_h2o"[^>]*>', page).group(0)
    assert 'inputmode="decimal"' in nif_input
    assert 'class="input-prefix" aria-hidden="true">−<' in page

    browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"nif_cm_h2o": typed})

    assert str(RespiratoryReading.objects.get(workup=workup).nif_cm_h2o) == "-25.0"


def test_field_errors_are_in_words_not_field_names(browser, workup):
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "9000", "spo2_percent": "120"})
    page = response.content.decode()
    assert response.status_code == 400
    errors = " ".join(re.findall(r'class="field-error"[^>]*>(.*?)</ul>', page, re.S))
    assert "FVC must be" in errors and "SpO₂ must be" in errors
    assert "fvc_ml" not in errors and "spo2_percent" not in errors


# --- Inbox ---------------------------------------------------------------------------------------


def _notify(user, workup, title="MRI overdue"):
    from django.utils import timezone

    now = timezone.now()
    return Notification.objects.create(
        channel=Channel.IN_APP,
        recipient=user,
        workup=workup,
        severity="HIGH",
        title=title,
        body="Please check.",
        link=f"/workups/{workup.pk}/",
        next_attempt_at=now,
        created_at=now,
    )


def test_opening_the_inbox_marks_what_it_shows_read_grouped_per_patient(browser, users, workup, ward):
    first = _notify(users["nurse"], workup)
    _notify(users["nurse"], workup, title="LP overdue")
    other = open_workup(ward=ward, opened_by=users["physician"], patient={"name": "Other Patient"})
    _notify(users["nurse"], other, title="CRIT · 4N bed 12 · vital capacity below 20 mL/kg")
    _notify(users["physician"], workup, title="Not for the nurse")
    client = browser("nurse")
    assert re.search(r'id="unread-count">3<', client.get("/").content.decode())

    page = client.get("/notifications/").content.decode()

    assert "MRI overdue" in page and "LP overdue" in page and "Not for the nurse" not in page
    # per patient, the one with the newest notification first
    assert page.index(f'class="inbox-patient" data-workup-id="{other.pk}"') < page.index(
        f'class="inbox-patient" data-workup-id="{workup.pk}"'
    )
    assert page.count('<span class="new-tag">new</span>') == 3
    assert re.search(r'id="unread-count">0<', page)
    first.refresh_from_db()
    assert first.read_at is not None
    assert '<span class="new-tag">' not in client.get("/notifications/").content.decode()


def test_the_inbox_filters_unread_and_severity_and_marks_all_read(browser, users, workup):
    crit = _notify(users["nurse"], workup, title="CRIT page")
    crit.severity = "CRIT"
    crit.save()
    _notify(users["nurse"], workup, title="HIGH page")
    client = browser("nurse")

    page = client.get("/notifications/?severity=CRIT").content.decode()
    assert "CRIT page" in page and "HIGH page" not in page
    page = client.get("/notifications/?show=unread").content.decode()
    assert "HIGH page" in page and "CRIT page" not in page  # the CRIT one was read by the first visit
    _notify(users["nurse"], workup, title="later")
    client.post("/notifications/", {"all": "1"})
    assert re.search(r'id="unread-count">0<', client.get("/").content.decode())


def test_cannot_mark_someone_elses_notification(browser, users, workup):
    theirs = _notify(users["physician"], workup)
    assert browser("nurse").post("/notifications/", {"notification": theirs.pk}).status_code == 404


# --- Triage --------------------------------------------------------------------------------------

VALID_TRIAGE = {
    "ward": "4N",
    "bed": "7",
    "mrn": "MRN-T-1",
    "name": "Tess Triage",
    "date_of_birth": "1980-02-03",
    "sex": "female",
    "height_cm": "165",
    "weight_kg": "60",
    "onset_of_weakness_on": "2026-11-20",
    "reflexes": "absent",
    "mrc_sum_score": "44",
    "facial_weakness": "on",
}


@pytest.mark.parametrize("role,status", [("nurse", 403), ("charge_nurse", 403), ("physician", 200), ("admin", 200)])
def test_triage_form_is_for_prescribers(browser, role, status):
    response = browser(role).get("/workups/new/")
    assert response.status_code == status
    if status == 200:
        assert_strict_csp_safe(response.content.decode())


def test_triage_opens_a_workup_and_goes_to_its_page(browser, clock):
    response = browser("physician").post("/workups/new/", VALID_TRIAGE)
    workup = Workup.objects.get(patient__mrn="MRN-T-1")
    assert response.status_code == 302 and response["Location"] == f"/workups/{workup.pk}/"
    assert workup.facial_weakness is True and workup.mrc_sum_score == 44 and workup.bed == "7"
    assert workup.orders.exists()


def test_triage_shows_service_errors_per_field_and_keeps_input(browser, clock):
    data = {**VALID_TRIAGE, "height_cm": "", "onset_of_weakness_on": "2030-01-01"}
    response = browser("physician").post("/workups/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_height_cm-errors"' in page and 'id="id_onset_of_weakness_on-errors"' in page
    assert 'value="Tess Triage"' in page and 'value="MRN-T-1"' in page
    assert not Workup.objects.exists()


def test_triage_duplicate_links_to_the_open_workup(browser, clock):
    client = browser("physician")
    client.post("/workups/new/", VALID_TRIAGE)
    response = client.post("/workups/new/", VALID_TRIAGE)
    assert response.status_code == 409
    existing = Workup.objects.get()
    assert f'href="/workups/{existing.pk}/"' in response.content.decode()


def test_triage_onto_another_ward_is_refused(browser, other_ward, clock):
    response = browser("physician").post("/workups/new/", {**VALID_TRIAGE, "ward": other_ward.code})
    assert response.status_code == 400  # not one of the ward choices offered
    assert not Workup.objects.exists()


def test_a_reading_form_sent_twice_is_stored_once_and_says_so(browser, workup):
    client = browser("nurse")
    page = client.get(f"/workups/{workup.pk}/readings/new/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f-]+)"', page).group(1)
    body = {"fvc_ml": "3600", "form_token": token}

    first = client.post(f"/workups/{workup.pk}/readings/new/", body)
    again = client.post(f"/workups/{workup.pk}/readings/new/", body)

    assert first.status_code == again.status_code == 200
    assert 'id="reading-duplicate"' not in first.content.decode()
    assert 'id="reading-duplicate"' in again.content.decode()
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1
    # the next form carries a new token
    next_token = re.search(r'name="form_token" value="([0-9a-f-]+)"', first.content.decode()).group(1)
    assert next_token != token


def test_a_partial_reading_says_which_check_is_still_open_and_what_it_needs(browser, workup):
    page = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"spo2_percent": "96"}).content.decode()

    assert 'data-still-open="resp_baseline"' in page
    assert "is still open: it needs FVC or NIF." in page
