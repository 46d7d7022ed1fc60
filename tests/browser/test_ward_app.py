"""The issue's browser scenarios, in headless Chromium against the live server.

They use only the stable hooks of the web UI contract (element ids, data attributes, input names
and button texts), never layout, so restyling the pages does not break them.
"""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import OrderStatus
from orders.selectors import orders_overdue
from tests.browser.support import log_in, text_matches
from tests.factories import UserFactory, WardFactory, open_workup
from workup.models import Alert, AlertGroup
from workup.models.alert import AlertStatus
from workup.roles import Role

# The data migrations hold the pathway, the role groups and the escalation policies: the live
# server needs committed rows, and the flush after each test must not lose those.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def save_reading(page, *, workup_id: int, fvc_ml: int) -> None:
    page.goto(f"/workups/{workup_id}/readings/new/")
    page.locator("input[name=fvc_ml]").fill(str(fvc_ml))
    page.get_by_role("button", name="Save reading").click()
    expect(page.locator("#reading-result")).to_contain_text(re.compile(r"\S"))


def test_a_nurse_logs_a_falling_vital_capacity_sees_the_crit_banner_and_acknowledges_it(page):
    # given a nurse of 4N and a man of 70 kg, 175 cm (IBW 70.6 kg) on 4N
    ward = WardFactory(code="4N")
    UserFactory(username="nurse", role=Role.NURSE, wards=[ward])
    workup = open_workup(ward=ward, patient={"mrn": "VC-0001", "sex": "male", "height_cm": 175, "weight_kg": 70})

    # when the nurse logs in and logs a good FVC, then a much lower one
    log_in(page, username="nurse")
    save_reading(page, workup_id=workup.id, fvc_ml=3900)
    expect(page.locator("#reading-result")).not_to_contain_text("CRIT")
    save_reading(page, workup_id=workup.id, fvc_ml=1300)

    # then the result shows the critical findings (18.4 mL/kg IBW, a 67 % fall from best) ...
    expect(page.locator("#reading-result")).to_contain_text("CRIT")
    # ... and the banner, on every page, shows the patient once, severity as text, one Acknowledge
    page.goto(f"/workups/{workup.id}/")
    banner = page.locator("#alert-banner")
    lines = banner.locator("[data-alert-group-id]")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("CRIT")
    group_id = int(lines.first.get_attribute("data-alert-group-id"))
    assert AlertGroup.objects.get(pk=group_id).severity == "CRIT"

    # when the nurse acknowledges it
    lines.first.get_by_role("button", name="Acknowledge").click()

    # then the line is gone, without a page load, and every alert of the patient is acknowledged by her
    expect(lines).to_have_count(0)
    # the confirmation stays at the top of the viewport while the banner refreshes itself
    expect(page.locator("#toasts #banner-notice")).to_contain_text("Acknowledged")
    alerts = Alert.objects.filter(group_id=group_id).select_related("acknowledged_by")
    assert {(a.status, a.acknowledged_by.username) for a in alerts} == {(AlertStatus.ACKNOWLEDGED, "nurse")}


def test_ward_staff_complete_an_order_from_the_workup_page(page):
    # given a nurse of 4N and an open workup there
    ward = WardFactory(code="4N")
    UserFactory(username="nurse", role=Role.NURSE, wards=[ward])
    workup = open_workup(ward=ward, patient={"mrn": "ORD-0001"})

    # when the nurse completes the labs order with a result
    log_in(page, username="nurse")
    page.goto(f"/workups/{workup.id}/")
    row = page.locator('[data-order-key="labs"]')
    row.get_by_text("Actions").click()  # one button per order opens its actions
    row.locator("input[name=result]").fill("CK normal, glucose 5.4 mmol/L")
    row.get_by_role("button", name="Complete").click()

    # then the page shows it completed, with its result
    completed = page.locator('[data-order-key="labs"]')
    expect(completed).to_contain_text(text_matches("completed", "done"))
    expect(completed).to_contain_text("CK normal")
    expect(completed.get_by_role("button", name="Complete")).to_have_count(0)
    labs = workup.orders.get(key="labs")
    assert labs.status == OrderStatus.COMPLETED
    assert labs.result == "CK normal, glucose 5.4 mmol/L"


def test_an_admin_sees_an_overdue_mri_filters_by_ward_and_exports_csv(new_page):
    # given workups triaged now on two wards (MRI due within 24 h), and an admin
    north, south = WardFactory(code="4N"), WardFactory(code="5S")
    UserFactory(username="admin", role=Role.ADMIN)
    triaged_at = timezone.now()
    open_workup(ward=north, now=triaged_at, patient={"mrn": "MRI-4N-01"})
    open_workup(ward=south, now=triaged_at, patient={"mrn": "MRI-5S-01"})

    # when 25 hours pass on the server (it runs in this process) and the admin opens the dashboard
    with time_machine.travel(triaged_at + dt.timedelta(hours=25), tick=True):
        page = new_page()
        log_in(page, username="admin")
        page.goto("/dashboard/overdue/")

        # then both MRIs are listed as overdue, with counts per ward
        table = page.locator("table#overdue-table")
        mri_rows = table.locator('tr[data-order-key="mri_spine"]')
        expect(mri_rows).to_have_count(2)
        expect(mri_rows.filter(has_text="MRI-4N-01")).to_have_count(1)
        expect(page.locator("#ward-counts")).to_contain_text("4N")
        expect(page.locator("#ward-counts")).to_contain_text("5S")

        # when the admin filters by ward 4N
        page.locator("select[name=ward]").select_option("4N")
        page.get_by_role("button", name="Filter").click()

        # then only 4N's MRI is left
        expect(mri_rows).to_have_count(1)
        expect(mri_rows).to_contain_text("MRI-4N-01")
        expect(table).not_to_contain_text("MRI-5S-01")

        # when the admin exports the filtered list
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Export CSV").click()
        download = download_info.value

        # then the CSV holds 4N's overdue orders (the MRI among them) and nothing of 5S
        assert download.suggested_filename.endswith(".csv")
        rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
        header, body = rows[0], rows[1:]
        assert len(header) > 1 and body, rows
        lines = [" ".join(row) for row in body]
        assert all("MRI-5S-01" not in line for line in lines), lines
        assert len(body) == orders_overdue(now=timezone.now(), ward=north).count(), lines
        assert all("MRI-4N-01" in line for line in lines), lines
        assert any(re.search("mri", line.replace("MRI-4N-01", ""), re.IGNORECASE) for line in lines), lines
