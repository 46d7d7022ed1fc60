"""The overdue dashboard page (issue 6): who may see it, what a row shows, filters, per-ward
counts, the htmx partial, the CSV export and a query count that does not grow with the rows."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from tests.web.conftest import assert_strict_csp_safe
from workup.monitoring.services.readings import reading_record
from workup.roles import Role

pytestmark = pytest.mark.django_db

URL = "/dashboard/overdue/"
ROWS_URL = "/dashboard/overdue/rows/"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(ward, other_ward, nurse, physician):
    return {
        "nurse": nurse,
        "charge_nurse": UserFactory(username="charge", role=Role.CHARGE_NURSE, wards=[ward]),
        "physician": physician,
        "neurologist": UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward]),
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "outsider": UserFactory(username="outsider", role=Role.PHYSICIAN, wards=[other_ward]),
    }


@pytest.fixture
def as_role(client, staff):
    def login(role):
        client.force_login(staff[role])
        return client

    return login


@pytest.fixture
def workup(ward, physician, clock):
    return open_workup(ward=ward, opened_by=physician, now=T0, patient={"name": "Jan Jansen"})


@pytest.fixture
def other_workup(other_ward, staff, clock):
    return open_workup(ward=other_ward, opened_by=staff["outsider"], now=T0, patient={"name": "Piet Pieters"})


def keys(response) -> list[str]:
    return [row.order_key for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("role", "status"),
    [("nurse", 403), ("charge_nurse", 200), ("physician", 200), ("neurologist", 200), ("admin", 200)],
)
@pytest.mark.parametrize("url", [URL, ROWS_URL, URL + "?format=csv"])
def test_who_may_see_the_dashboard(as_role, clock, role, status, url):
    assert as_role(role).get(url).status_code == status


def test_anonymous_users_are_sent_to_log_in(client, db):
    for url in (URL, ROWS_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_rows_most_overdue_first_with_the_contract_columns(as_role, workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2, minutes=10))

    response = as_role("charge_nurse").get(URL)
    html = response.content.decode()

    # Due by 2:10 after t0: resp_baseline (0:30), neuro_exam and autonomic (1:00), level_of_care (2:00).
    assert keys(response) == ["resp_baseline", "neuro_exam", "autonomic", "level_of_care"]
    first = response.context["rows"][0]
    assert (first.ward_code, first.bed, first.mrn, first.category) == ("4N", "12", workup.patient.mrn, "respiratory")
    assert first.minutes_overdue == 100
    # 30-minute window, 100 min late: level 3 of spec §6, the neurologist; written out, not colour only.
    assert first.escalation_text == "Level 3: neurologist"
    last = response.context["rows"][-1]
    assert (last.minutes_overdue, last.escalation_text) == (10, "Level 0: physician")  # its assigned role

    assert 'id="overdue-table"' in html
    assert 'tr data-order-key="resp_baseline"' in html
    assert "Tue 24 Nov 09:30" in html  # due 08:30 UTC shown in the hospital zone (CET)
    assert "Jan Jansen" not in html  # MRN, ward and bed identify the row; no names on a wall screen


def test_done_and_not_yet_due_orders_are_not_listed(as_role, workup, physician, clock):
    clock.move_to(T0 + dt.timedelta(minutes=45))
    reading_record(workup=workup, data={"fvc_ml": 3000}, by=physician)
    clock.move_to(T0 + dt.timedelta(minutes=59))
    response = as_role("physician").get(URL)
    assert keys(response) == []
    assert "No overdue orders" in response.content.decode()


def test_own_wards_only_and_admins_see_all_with_counts_per_ward(as_role, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(minutes=31))

    mine = as_role("physician").get(URL)
    assert [r.ward_code for r in mine.context["rows"]] == ["4N"]
    assert [(w.code, n) for w, n in mine.context["counts"]] == [("4N", 1)]

    everything = as_role("admin").get(URL)
    assert sorted(r.ward_code for r in everything.context["rows"]) == ["4N", "5S"]
    html = everything.content.decode()
    assert 'id="ward-counts"' in html
    assert [(w.code, n) for w, n in everything.context["counts"]] == [("4N", 1), ("5S", 1)]


def test_filters_by_ward_category_and_level(as_role, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2, minutes=10))
    admin = as_role("admin")

    by_ward = admin.get(URL + "?ward=5S")
    assert {r.ward_code for r in by_ward.context["rows"]} == {"5S"}
    # The per-ward counts stay whole while the table narrows to one ward.
    assert [(w.code, n) for w, n in by_ward.context["counts"]] == [("4N", 4), ("5S", 4)]
    assert 'select name="ward"' in by_ward.content.decode()

    assert keys(admin.get(URL + "?ward=4N&category=respiratory")) == ["resp_baseline"]
    # At 2:10 level_of_care (120-min window, 10 min late) is at level 0; the rest at level 3.
    assert keys(admin.get(URL + "?ward=4N&level=0")) == ["level_of_care"]
    assert keys(admin.get(URL + "?ward=4N&level=3")) == ["resp_baseline", "neuro_exam", "autonomic"]
    counts = admin.get(URL + "?level=0").context["counts"]
    assert [(w.code, n) for w, n in counts] == [("4N", 1), ("5S", 1)]


def test_a_ward_that_is_not_yours_is_a_field_error_kept_in_place(as_role, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=1))
    response = as_role("physician").get(URL + "?ward=5S&category=respiratory")
    assert response.status_code == 400
    assert "ward" in response.context["form"].errors
    assert keys(response) == []  # nothing of 5S leaks
    html = response.content.decode()
    assert 'class="errorlist"' in html
    assert '<option value="respiratory" selected>' in html  # what the user chose is kept


def test_the_htmx_partial_renders_counts_and_table_with_the_same_filters(as_role, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2, minutes=10))
    response = as_role("admin").get(ROWS_URL + "?ward=4N&category=respiratory", HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="overdue-live"')
    assert 'hx-trigger="every 30s"' in html
    assert 'hx-get="/dashboard/overdue/rows/?ward=4N&amp;category=respiratory"' in html
    assert keys(response) == ["resp_baseline"]
    assert 'id="ward-counts"' in html


def test_the_page_polls_the_partial_and_links_the_csv_of_its_filters(as_role, workup, clock):
    html = as_role("admin").get(URL + "?ward=4N").content.decode()
    assert 'hx-get="/dashboard/overdue/rows/?ward=4N"' in html
    assert 'href="/dashboard/overdue/?ward=4N&amp;format=csv"' in html
    assert ">Export CSV</a>" in html
    assert ">Filter</button>" in html
    assert '<label for="id_ward">Ward</label>' in html
    assert_strict_csp_safe(html)


def test_csv_export_of_the_filtered_rows_without_patient_names(as_role, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2, minutes=10))

    response = as_role("admin").get(URL + "?ward=4N&level=3&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # Stamped with the time in the hospital zone: 10:10 UTC is 11:10 CET.
    assert response["Content-Disposition"] == 'attachment; filename="overdue-20261124-1110.csv"'
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["order_key"] for r in rows] == ["resp_baseline", "neuro_exam", "autonomic"]
    assert rows[0] == {
        "ward": "4N",
        "bed": "12",
        "mrn": workup.patient.mrn,
        "order_key": "resp_baseline",
        "order_title": "Baseline FVC, NIF (MIP), MEP, single-breath count, RR, SpO2",
        "category": "respiratory",
        "due_at": "2026-11-24T09:30+01:00",
        "minutes_overdue": "100",
        "escalation_level": "3",
        "escalation": "Level 3: neurologist",
    }
    assert "Jan Jansen" not in text and "Piet Pieters" not in text


def test_csv_cells_cannot_run_as_spreadsheet_formulas(as_role, ward, physician, clock):
    open_workup(ward=ward, opened_by=physician, now=T0, triage={"bed": "=1+1"})
    clock.move_to(T0 + dt.timedelta(minutes=31))
    rows = list(csv.DictReader(io.StringIO(as_role("admin").get(URL + "?format=csv").content.decode())))
    assert rows[0]["bed"] == "'=1+1"


def _count_queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["rows"]) if response.context else response.content.count(b"\n")


def test_the_dashboard_costs_the_same_queries_for_1_and_20_overdue_workups(as_role, ward, physician, clock):
    open_workup(ward=ward, opened_by=physician, now=T0)
    clock.move_to(T0 + dt.timedelta(hours=5))  # 7 overdue orders per workup
    client = as_role("admin")  # after the clock moved: an idle session would have ended
    one_page, one_rows = _count_queries(client, URL)
    one_partial, _ = _count_queries(client, ROWS_URL)
    one_csv, _ = _count_queries(client, URL + "?format=csv")

    for _ in range(19):
        open_workup(ward=ward, opened_by=physician, now=T0)
    twenty_page, twenty_rows = _count_queries(client, URL)
    twenty_partial, _ = _count_queries(client, ROWS_URL)
    twenty_csv, _ = _count_queries(client, URL + "?format=csv")

    # The page shows PAGE_SIZE (100) of the 140 rows; the CSV has them all.
    assert (one_rows, twenty_rows) == (7, 100)
    assert one_page == twenty_page
    assert one_partial == twenty_partial
    assert one_csv == twenty_csv
    assert _count_queries(client, URL + "?page=2") == (one_page, 40)
    assert client.get(URL + "?format=csv").content.decode().count("\r\n") == 141  # header + 140
    # Session, user, roles, wards, the rows (workup, patient, ward, escalation joined), session save.
    assert one_csv <= 8


def test_the_table_pages_through_every_row_most_overdue_first(as_role, ward, physician, clock):
    for _ in range(16):
        open_workup(ward=ward, opened_by=physician, now=T0)
    clock.move_to(T0 + dt.timedelta(hours=5))  # 7 overdue orders per workup: 112 rows
    client = as_role("admin")

    first = client.get(URL)
    second = client.get(URL + "?ward=4N&page=2")
    beyond = client.get(URL + "?page=99")

    assert (len(first.context["rows"]), first.context["total"]) == (100, 112)
    assert [(w.code, n) for w, n in first.context["counts"]] == [("4N", 112), ("5S", 0)]
    html = first.content.decode()
    assert "112 overdue orders · page 1 of 2" in html
    assert 'rel="next" href="/dashboard/overdue/?page=2"' in html
    assert 'rel="prev"' not in html
    assert len(second.context["rows"]) == 12
    assert 'rel="prev" href="/dashboard/overdue/?ward=4N&amp;page=1"' in second.content.decode()
    every = [r.order_id for r in first.context["rows"]] + [r.order_id for r in second.context["rows"]]
    assert len(set(every)) == 112
    due = [r.due_at for r in first.context["rows"] + second.context["rows"]]
    assert due == sorted(due)
    assert [r.order_id for r in beyond.context["rows"]] == [r.order_id for r in second.context["rows"]]
