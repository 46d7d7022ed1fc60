"""Brighton level (spec §5, S4) from the data on file: the clinician's core features in a neuro
assessment, the reflexes, and the structured LP and NCS results."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("broker")]

CORE = {
    "reflexes": "absent",
    "bilateral_flaccid_weakness": True,
    "monophasic_course": True,
    "nadir_reached_on": "2026-11-23",  # onset 2026-11-20 in the factory triage: 3 days
    "alternative_diagnosis_excluded": True,
}


def brighton(api, workup):
    return api("physician").get(f"/api/v1/workups/{workup.pk}/").json()["scores"]["brighton"]


def complete(api, workup, key, result_data):
    order = workup.orders.get(key=key)
    response = api("physician").post(
        f"/api/v1/orders/{order.pk}/complete/", {"result_data": result_data, "version": order.version}, format="json"
    )
    assert response.status_code == 200, response.content


def test_without_confirmed_core_features_there_is_no_level(api, workup):
    assert brighton(api, workup)["level"] is None
    assert "bilateral_flaccid_weakness" in brighton(api, workup)["core_features_not_confirmed"]


def test_core_features_alone_give_level_3(api, workup):
    assert api("nurse").post(f"/api/v1/workups/{workup.pk}/assessments/", CORE, format="json").status_code == 201

    assert brighton(api, workup)["level"] == 3


def test_consistent_ncs_without_csf_gives_level_2_and_with_csf_dissociation_level_1(api, workup):
    api("nurse").post(f"/api/v1/workups/{workup.pk}/assessments/", CORE, format="json")

    complete(api, workup, "ncs_emg", {"consistent_with_gbs": "yes"})
    assert brighton(api, workup)["level"] == 2

    complete(api, workup, "lp", {"csf_protein_g_per_l": 0.9, "csf_wbc_per_ul": 3})
    assert brighton(api, workup)["level"] == 1


def test_a_nadir_outside_onset_to_today_is_refused(api, workup):
    body = {**CORE, "nadir_reached_on": "2026-11-01"}

    response = api("nurse").post(f"/api/v1/workups/{workup.pk}/assessments/", body, format="json")

    assert response.status_code == 400
    assert "nadir_reached_on" in response.json()
