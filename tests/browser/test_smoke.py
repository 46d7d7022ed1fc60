"""The browser set-up itself, and what every page must allow: Chromium starts, reaches the live
server and signs in with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import PASSWORD, PHONE, log_in
from tests.factories import UserFactory, WardFactory, open_workup
from workup.roles import Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_nurse_signs_in_with_the_keyboard_alone(page):
    UserFactory(username="nurse", role=Role.NURSE, wards=[WardFactory(code="4N")])

    page.goto("/accounts/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type("nurse")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_reading_form_fits_a_phone_and_shows_units(new_page):
    ward = WardFactory(code="4N")
    UserFactory(username="nurse", role=Role.NURSE, wards=[ward])
    workup = open_workup(ward=ward)
    page = new_page(viewport=PHONE)

    log_in(page, username="nurse")
    page.goto(f"/workups/{workup.id}/readings/new/")

    # every input has a label; the units are in the labels
    for name, unit in [("fvc_ml", "mL"), ("nif_cm_h2o", "cmH"), ("respiratory_rate", "min"), ("spo2_percent", "%")]:
        field = page.locator(f"input[name={name}]")
        label = page.locator(f"label[for='{field.get_attribute('id')}']")
        expect(label).to_contain_text(unit)
    expect(page.get_by_role("button", name="Save reading")).to_be_visible()
    # nothing sticks out sideways at 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
