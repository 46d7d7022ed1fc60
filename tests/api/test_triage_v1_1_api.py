"""Triage through the API under spec v1.1: refusals name their field; the weight confirmation."""

import pytest

from tests.factories import patient_data
from workup.models import Workup

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_under_16_patient_with_400_naming_the_field(api, ward):
    body = {
        "patient": {**patient_data(date_of_birth="2012-02-02"), "height_cm": 150, "weight_kg": 40},
        "ward": "4N",
        "onset_of_weakness_on": "2026-11-20",
        "triage": {},
    }
    response = api("physician").post("/api/v1/workups/", body, format="json")

    assert response.status_code == 400
    assert "paediatric" in response.json()["patient"]["date_of_birth"][0]
    assert not Workup.objects.exists()


def test_the_api_takes_the_weight_confirmation(api, ward):
    body = {
        "patient": {**patient_data(date_of_birth="1970-02-02"), "height_cm": 180, "weight_kg": 30},
        "ward": "4N",
        "onset_of_weakness_on": "2026-11-20",
        "triage": {},
    }
    assert api("physician").post("/api/v1/workups/", body, format="json").status_code == 400

    response = api("physician").post("/api/v1/workups/", {**body, "confirm_unusual_weight": True}, format="json")
    assert response.status_code == 201, response.content
