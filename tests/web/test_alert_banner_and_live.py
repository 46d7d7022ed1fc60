"""The alert banner (one line per patient, one Acknowledge), GET /live/ (ETag, 304, 401), and
pages that come back after the session expired (never a bare fragment)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import open_workup
from tests.web.conftest import ROLES, assert_strict_csp_safe
from workup.models import AlertGroup, AlertStatus

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def workup(users, ward, clock):
    return open_workup(ward=ward, opened_by=users["physician"])


@pytest.fixture
def group(browser, workup):
    """A falling FVC with a weak NIF: several CRIT rules, one alert group."""
    browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "900", "nif_cm_h2o": "20"})
    return AlertGroup.objects.get(workup=workup)


@pytest.mark.parametrize("role", ROLES)
def test_the_banner_shows_one_line_per_patient_with_its_findings_in_words(browser, group, role):
    page = browser(role).get("/alerts/banner/", headers=HX).content.decode()

    assert page.count("data-alert-group-id=") == 1 and f'data-alert-group-id="{group.pk}"' in page
    assert ">CRIT<" in page and page.count(">Acknowledge<") == 1
    assert "4N bed 12 · " in page
    assert "FVC 12.8 mL/kg IBW (&lt; 15)" in page and "NIF −20 cmH2O (weaker than −30)" in page
    assert "<html" not in page
    assert_strict_csp_safe(page)


def test_the_banner_leaves_out_other_wards(browser, group):
    assert "data-alert-group-id" not in browser("outsider").get("/alerts/banner/", headers=HX).content.decode()


def test_the_banner_shows_three_patients_and_counts_the_rest(browser, users, ward):
    for _ in range(5):
        w = open_workup(ward=ward, opened_by=users["physician"])
        browser("nurse").post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900"})

    page = browser("nurse").get("/alerts/banner/", headers=HX).content.decode()

    assert page.count("data-alert-group-id=") == 3
    assert "+2 more patients with open alerts" in page


def test_one_acknowledge_clears_the_patients_line_and_all_its_alerts(browser, users, group):
    client = browser("nurse")

    response = client.post(
        f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version, "next": f"/workups/{group.workup_id}/"}
    )

    assert response.status_code == 302 and response["Location"] == f"/workups/{group.workup_id}/"
    group.refresh_from_db()
    assert (group.status, group.acknowledged_by) == ("acknowledged", users["nurse"])
    assert set(group.alerts.values_list("status", flat=True)) == {AlertStatus.ACKNOWLEDGED}
    assert "data-alert-group-id" not in client.get("/alerts/banner/", headers=HX).content.decode()


def test_acknowledge_from_htmx_answers_the_banner_in_place(browser, group):
    response = browser("nurse").post(f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version}, headers=HX)

    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Acknowledged: CRIT alerts of 4N bed 12" in page
    # out of band into the messages at the top: the banner's own refresh cannot wipe it
    assert 'hx-swap-oob="beforeend:#toasts"' in page
    assert "data-alert-group-id" not in page
    assert response["HX-Trigger"] == "workup:changed"


def test_acknowledge_ignores_an_offsite_next(browser, group):
    response = browser("nurse").post(
        f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version, "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/workups/{group.workup_id}/"


def test_acknowledge_with_a_stale_version_says_so(browser, group):
    client = browser("nurse")
    client.post(f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version})
    response = client.post(f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version}, follow=True)
    assert "changed while you were looking" in response.content.decode()


def test_acknowledge_on_another_ward_is_404_and_needs_a_post(browser, group):
    assert browser("outsider").post(f"/alert-groups/{group.pk}/acknowledge/", {}).status_code == 404
    assert browser("nurse").get(f"/alert-groups/{group.pk}/acknowledge/").status_code == 405
    group.refresh_from_db()
    assert group.status == "open"


def test_a_physician_resolves_the_group_from_the_workup_page(browser, group):
    assert browser("nurse").post(f"/alert-groups/{group.pk}/resolve/", {"resolution": "x"}).status_code == 403
    response = browser("physician").post(
        f"/alert-groups/{group.pk}/resolve/", {"resolution": "ICU review", "version": group.version}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.status, group.resolution) == ("resolved", "ICU review")


# --- /live/ ----------------------------------------------------------------------------------------


def test_live_answers_the_state_with_an_etag_and_304_when_unchanged(browser, group):
    client = browser("nurse")

    first = client.get("/live/")

    assert first.status_code == 200
    body = first.json()
    assert body["open_groups"] == {"CRIT": 1, "HIGH": 0, "MED": 0}
    assert body["open_crit_ids"] == [group.pk]
    assert isinstance(body["unread"], int)
    assert first["ETag"] == f'"{body["stamp"]}"'
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]

    again = client.get("/live/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""

    client.post(f"/alert-groups/{group.pk}/acknowledge/", {"version": group.version})
    changed = client.get("/live/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["open_groups"]["CRIT"] == 0 and changed["ETag"] != first["ETag"]


def test_the_page_carries_the_stamp_its_first_poll_compares_with(browser, group):
    client = browser("nurse")
    page = client.get("/").content.decode()
    stamp = client.get("/live/").json()["stamp"]
    assert f'data-live-stamp="{stamp}"' in page and 'data-live-url="/live/"' in page


def test_live_for_an_ended_session_is_401_json_never_a_login_page(browser):
    response = browser(None).get("/live/")
    assert response.status_code == 401
    assert response.json()["login_url"] == "/accounts/login/"


def test_live_scopes_to_the_users_wards(browser, group):
    assert browser("outsider").get("/live/").json()["open_groups"]["CRIT"] == 0


def test_live_costs_the_same_few_queries_for_1_and_20_groups(browser, users, ward):
    client = browser("nurse")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/live/", headers={"X-Workup-Background": "1"}).status_code == 200
        return len(captured)

    w = open_workup(ward=ward, opened_by=users["physician"])
    client.post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900"})
    one = queries()
    for _ in range(19):
        w = open_workup(ward=ward, opened_by=users["physician"])
        client.post(f"/workups/{w.pk}/readings/new/", {"fvc_ml": "900"})
    assert queries() == one <= 6  # session, user, role, has a ward (issue 11), groups, unread count


def test_polling_live_does_not_keep_the_session_alive(browser, clock):
    from django.contrib.sessions.models import Session

    client = browser("nurse")
    client.get("/")
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    clock.shift(60)
    client.get("/live/", headers={"X-Workup-Background": "1"})
    assert Session.objects.get(session_key=key).expire_date == expiry
    client.get("/")  # a person's request renews it
    assert Session.objects.get(session_key=key).expire_date > expiry


# --- Session expiry: back to the page, never to a fragment ---------------------------------------


def test_an_expired_htmx_poll_sends_the_login_back_to_the_page_not_the_fragment(browser):
    response = browser(None).get(
        "/board/rows/?q=7", headers={**HX, "HX-Current-URL": "http://testserver/workups/5/?tab=orders"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fworkups%2F5%2F%3Ftab%3Dorders"


def test_a_current_url_that_could_lead_offsite_falls_back_to_the_board(browser):
    response = browser(None).get("/alerts/banner/", headers={**HX, "HX-Current-URL": "https://evil.example//x"})
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"


@pytest.mark.parametrize("fragment", ["/board/rows/", "/alerts/banner/"])
def test_a_fragment_a_browser_navigates_to_shows_the_whole_page(browser, fragment):
    response = browser("nurse").get(fragment, headers={"Sec-Fetch-Mode": "navigate"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_favicon(browser):
    assert browser(None).get("/favicon.ico")["Location"].endswith("workup/favicon.svg")
    page = browser("nurse").get("/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon.svg"', page)
