"""The ward board: rows for open workups on the user's wards, the htmx partial, constant queries."""

import datetime as dt
import re
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import OPEN_STATUSES, Order, OrderStatus
from tests.factories import open_workup
from tests.web.conftest import assert_strict_csp_safe
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def test_board_shows_a_row_per_open_workup_with_progress_next_due_and_overdue(browser, users, ward, clock):
    workup = open_workup(ward=ward, opened_by=users["physician"], patient={"name": "Ada Board"})
    clock.shift(dt.timedelta(hours=3))
    response = browser("nurse").get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-workup-id="{workup.pk}"' in page
    assert workup.patient.mrn in page and "Ada Board" in page
    assert "3 h" in page
    assert f"0/{workup.orders.count()} done" in page
    assert "overdue" in page  # some orders are due within 3 h of triage
    assert 'hx-get="/board/rows/"' in page and 'hx-trigger="workup:live from:body, every 30s"' in page
    assert_strict_csp_safe(page)


def test_board_shows_the_worst_open_alert_with_its_severity_as_text(browser, users, ward, clock):
    workup = open_workup(ward=ward, opened_by=users["physician"])
    reading_record(workup=workup, data={"fvc_ml": 900}, by=users["nurse"])  # about 13 mL/kg IBW: CRIT
    page = browser("nurse").get("/board/rows/", headers=HX).content.decode()
    assert 'class="severity-tag severity-crit">CRIT<' in page


def test_board_rows_partial_is_just_rows(browser, users, ward, clock):
    open_workup(ward=ward, opened_by=users["physician"])
    page = browser("nurse").get("/board/rows/", headers=HX).content.decode()
    assert page.lstrip().startswith("<tr")
    assert "<html" not in page


def test_board_leaves_out_other_wards_and_closed_workups(browser, users, ward, other_ward, clock):
    mine = open_workup(ward=ward, opened_by=users["physician"])
    theirs = open_workup(ward=other_ward, opened_by=users["outsider"])
    nurse_page = browser("nurse").get("/").content.decode()
    assert f'data-workup-id="{mine.pk}"' in nurse_page
    assert f'data-workup-id="{theirs.pk}"' not in nurse_page
    admin_page = browser("admin").get("/").content.decode()
    assert f'data-workup-id="{mine.pk}"' in admin_page and f'data-workup-id="{theirs.pk}"' in admin_page


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/board/rows/", headers=HX).status_code == 200
    return len(queries)


def test_board_query_count_is_constant_for_1_and_20_workups(browser, users, ward, clock):
    client = browser("nurse")
    first = open_workup(ward=ward, opened_by=users["physician"])
    reading_record(workup=first, data={"fvc_ml": 900}, by=users["nurse"])
    one = _board_queries(client)
    for _ in range(19):
        workup = open_workup(ward=ward, opened_by=users["physician"])
        reading_record(workup=workup, data={"fvc_ml": 900}, by=users["nurse"])
    twenty = _board_queries(client)
    assert one == twenty
    with CaptureQueriesContext(connection) as page_queries:
        assert client.get("/").status_code == 200
    open_workup(ward=ward, opened_by=users["physician"])
    with CaptureQueriesContext(connection) as more_queries:
        assert client.get("/").status_code == 200
    assert len(page_queries) == len(more_queries)


def _row(page: str, workup) -> str:
    return re.search(rf'<tr data-workup-id="{workup.pk}".*?</tr>', page, re.S).group(0)


def test_board_progress_overdue_and_next_due_are_each_rows_own(browser, users, ward, clock):
    # given: one workup with an order completed, one not indicated and one cancelled; another untouched
    workup = open_workup(ward=ward, opened_by=users["physician"])
    other = open_workup(ward=ward, opened_by=users["physician"])
    first, second, third = workup.orders.filter(status="pending").order_by("due_at", "id")[:3]
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.COMPLETED)
    Order.objects.filter(pk=second.pk).update(status=OrderStatus.NOT_INDICATED)
    Order.objects.filter(pk=third.pk).update(status=OrderStatus.CANCELLED)
    clock.shift(dt.timedelta(hours=3))
    now = timezone.now()
    open_orders = workup.orders.filter(status__in=OPEN_STATUSES).order_by("due_at", "id")
    overdue = open_orders.filter(due_at__lt=now).count()
    assert overdue > 0

    page = browser("nurse").get("/board/rows/", headers=HX).content.decode()

    # then: done = completed + not indicated, out of every order but the cancelled one
    row = _row(page, workup)
    assert f"2/{workup.orders.count() - 1} done" in row
    assert f"{overdue} overdue" in row
    # the next due is the earliest open order
    nxt = open_orders.first()
    assert escape(nxt.title[:40]) in row
    assert f"{int((now - nxt.due_at).total_seconds() // 60)} min overdue" in row
    other_row = _row(page, other)
    assert f"0/{other.orders.count()} done" in other_row
    assert f"{other.orders.filter(status__in=OPEN_STATUSES, due_at__lt=now).count()} overdue" in other_row


def test_board_row_with_nothing_open_says_so(browser, users, ward, clock):
    workup = open_workup(ward=ward, opened_by=users["physician"])
    Order.objects.filter(workup=workup).update(status=OrderStatus.COMPLETED)

    row = _row(browser("nurse").get("/board/rows/", headers=HX).content.decode(), workup)

    assert "nothing open" in row and 'class="flag flag-stat"' not in row
    assert f"{workup.orders.count()}/{workup.orders.count()} done" in row


def test_board_next_due_title_is_cut_at_60_characters_and_its_time_is_local(browser, users, ward, clock):
    workup = open_workup(ward=ward, opened_by=users["physician"])
    nxt = workup.orders.filter(status__in=OPEN_STATUSES).order_by("due_at", "id").first()
    Order.objects.filter(pk=nxt.pk).update(title="A" * 59 + "BCDEFGHIJ and more words after the sixtieth character")

    row = _row(browser("nurse").get("/board/rows/", headers=HX).content.decode(), workup)

    assert "A" * 59 + "…" in row and "BCDEF" not in row
    assert f"({timezone.localtime(nxt.due_at):%H:%M})" in row
    assert f'<a href="/workups/{workup.pk}/">' in row
