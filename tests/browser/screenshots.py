"""`make screenshots`: PNGs of the ward web app for the README, from the demo data.

Not a test module of the suite (its name does not start with test_): the make target runs it
explicitly with WORKUP_SCREENSHOTS_DIR set and WORKUP_VAR_DIR pointing at a throw-away directory,
so the demo data lives only in pytest's test database and the demo logins file goes away too.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.support import DESKTOP, PHONE, log_in_with_cookie
from workup.models import User, Workup

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Wide enough for the board's columns, short enough that a README shows the top of each page.
SCREEN = {**DESKTOP, "height": 860}


@pytest.fixture
def out_dir() -> Path:
    target = os.environ.get("WORKUP_SCREENSHOTS_DIR")
    if not target:
        pytest.skip("screenshots are taken by `make screenshots` (set WORKUP_SCREENSHOTS_DIR)")
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stdout=io.StringIO())
    return {
        "admin": User.objects.get(username="admin"),
        "nurse": User.objects.get(username="nurse"),
        "workup": Workup.objects.get(patient__mrn="DEMO-0002"),
    }


def test_screenshots(new_page, live_server, demo, out_dir):
    # The ward board and the overdue dashboard as the admin (every ward), on a desktop screen.
    page = new_page(viewport=SCREEN)
    log_in_with_cookie(page, user=demo["admin"], live_server=live_server)
    page.goto("/")
    expect(page.get_by_text("DEMO-0002")).to_be_visible()
    page.screenshot(path=out_dir / "board.png", full_page=True)

    page.goto("/dashboard/overdue/")
    expect(page.locator("table#overdue-table")).to_be_visible()
    page.screenshot(path=out_dir / "dashboard.png", full_page=True)

    # The workup with falling breathing tests, scrolled to its VC chart (the whole page, with
    # every order's buttons and the audit timeline, is several screens long).
    page.goto(f"/workups/{demo['workup'].id}/")
    chart = page.locator("svg#vc-chart")
    expect(chart).to_be_visible()
    chart.evaluate("chart => window.scrollTo(0, chart.getBoundingClientRect().top + window.scrollY - 90)")
    page.screenshot(path=out_dir / "workup.png")

    # The reading form on a phone at the bedside, as the nurse.
    phone = new_page(viewport=PHONE)
    log_in_with_cookie(phone, user=demo["nurse"], live_server=live_server)
    phone.goto(f"/workups/{demo['workup'].id}/readings/new/")
    expect(phone.get_by_role("button", name="Save reading")).to_be_visible()
    phone.screenshot(path=out_dir / "reading-form.png", full_page=True)

    # The board on the nurse's phone: one banner line per patient with open alerts, then the
    # patients most urgent first.
    phone.goto("/")
    expect(phone.locator("#alert-banner [data-alert-group-id]").first).to_be_visible()
    phone.screenshot(path=out_dir / "board-phone.png")

    # The inbox, grouped per patient, titles in words (as the physician).
    doc = new_page(viewport=SCREEN)
    log_in_with_cookie(doc, user=User.objects.get(username="physician"), live_server=live_server)
    doc.goto("/notifications/")
    doc.screenshot(path=out_dir / "inbox.png")

    # The printable handover sheet of 4N, as printed.
    page.goto("/wards/4N/handover/")
    page.emulate_media(media="print")
    page.screenshot(path=out_dir / "handover.png", full_page=True)
