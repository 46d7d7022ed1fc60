"""The suspected cervical cord lesion pathway (issue 13): published by a migration, chosen at
triage (API field, form choice), offered on a GBS triage with a cord red flag, and a running
workup switched onto it (API and web form) with completed work kept and the rest withdrawn."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from notifications.models import EscalationStatus
from notifications.services.escalation import escalation_wake
from orders.services import order_complete
from tests.conftest import T0
from tests.factories import open_workup, patient_data, triage_data
from workup.errors import DuplicateOpenWorkup
from workup.models import AuditEvent, PathwayTemplate, Workup
from workup.services.triage import workup_open

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "broker")]

CORD = "suspected_cord_lesion"
MIN = dt.timedelta(minutes=1)


def triage_body(**extra):
    patient = patient_data()
    patient["date_of_birth"] = patient["date_of_birth"].isoformat()
    return {"patient": patient, "ward": "4N", "bed": "3", "onset_of_weakness_on": "2026-11-20", "triage": {}, **extra}


def test_the_pathway_is_published_with_its_orders_and_sources():
    pathway = PathwayTemplate.objects.get(key="suspected-cord-lesion", version=1)
    orders = {t.key: t for t in pathway.order_templates.all()}
    assert pathway.published and pathway.condition == CORD
    assert list(orders) == [
        "mri_whole_spine", "spinal_consult", "bladder_scan", "neuro_checks", "steroid_decision", "vte_decision"
    ]  # fmt: skip
    mri = orders["mri_whole_spine"]
    assert (mri.priority, mri.due_offset_minutes, mri.escalation_start_offset_minutes) == ("stat", 240, 60)
    assert "S7 NICE QS56" in mri.source and "[local]" in mri.source
    assert orders["neuro_checks"].recurrence_interval_minutes == 120
    assert "sensory level" in orders["neuro_checks"].title
    assert "post-void residual" in orders["bladder_scan"].title
    assert "does not dose" in orders["steroid_decision"].title
    assert all("[local]" in t.source or "[S7" in t.source for t in orders.values())


def test_triage_chooses_the_condition_and_gbs_is_the_default(api):
    client = api("physician")
    gbs = client.post("/api/v1/workups/", triage_body(), format="json")
    cord = client.post("/api/v1/workups/", triage_body(condition=CORD), format="json")
    assert gbs.status_code == cord.status_code == 201, cord.content
    assert gbs.json()["condition"] == "suspected_gbs"
    assert cord.json()["condition"] == CORD
    assert cord.json()["template"] == {
        "key": "suspected-cord-lesion",
        "version": 1,
        "title": "Suspected cervical cord lesion v1",
    }
    mri = next(o for o in cord.json()["orders"] if o["key"] == "mri_whole_spine")
    assert mri["priority"] == "stat"
    assert dt.datetime.fromisoformat(mri["due_at"]) == T0 + dt.timedelta(hours=4)


def test_an_unknown_condition_is_a_400_naming_the_field(api):
    response = api("physician").post("/api/v1/workups/", triage_body(condition="migraine"), format="json")
    assert response.status_code == 400
    assert "condition" in response.json()


def test_the_stat_mri_escalates_from_one_hour_though_due_at_four(
    ward, physician, ward_team, django_capture_on_commit_callbacks
):
    workup = workup_open(
        patient_data=patient_data(), ward=ward, triage=triage_data(), opened_by=physician, now=T0, condition=CORD
    )
    mri = workup.orders.get(key="mri_whole_spine")
    escalation = mri.escalation
    assert mri.due_at == T0 + dt.timedelta(hours=4)
    assert mri.escalates_at == T0 + dt.timedelta(hours=1)
    # The climb starts at 1 h; its steps are spaced by the order's 4-h window (spec §6 percentages).
    assert (escalation.reference_at, escalation.window_minutes, escalation.next_step_at) == (
        T0 + dt.timedelta(hours=1),
        240,
        T0 + dt.timedelta(hours=1),
    )

    def wake(at):
        escalation.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=at)

    assert wake(T0 + 59 * MIN) == "early"
    assert wake(T0 + 60 * MIN) == "fired"
    escalation.refresh_from_db()
    # level 1 (charge nurse) at start + 25% of 240 min; level 2 (physician, HIGH) at + 50%: 3 h, before the due time
    assert escalation.next_step_at == T0 + dt.timedelta(hours=2)
    assert wake(T0 + dt.timedelta(hours=2)) == "fired"
    escalation.refresh_from_db()
    assert escalation.next_step_at == T0 + dt.timedelta(hours=3)


def test_a_cord_red_flag_on_a_gbs_triage_offers_the_cord_pathway(api):
    client = api("physician")
    flagged = client.post("/api/v1/workups/", triage_body(triage={"sensory_level": True}), format="json").json()
    plain = client.post("/api/v1/workups/", triage_body(), format="json").json()
    offer = flagged["pathway_offer"]
    assert offer["condition"] == CORD
    assert offer["switch_url"] == f"/api/v1/workups/{flagged['id']}/switch-pathway/"
    assert "sensory level" in offer["message"]
    assert plain["pathway_offer"] is None
    cord = client.post("/api/v1/workups/", triage_body(condition=CORD, triage={"sensory_level": True}), format="json")
    assert cord.json()["pathway_offer"] is None


def test_switching_keeps_completed_work_withdraws_the_rest_and_opens_the_new_orders_from_now(api, users, clock):
    # given: a GBS workup at T0 with one order done
    workup = open_workup(
        ward=users["physician"].wards.first(), opened_by=users["physician"], now=T0, triage={"sensory_level": True}
    )
    labs = workup.orders.get(key="labs")
    order_complete(order=labs, by=users["nurse"], result="normal")
    open_before = list(workup.orders.filter(status__in=["pending", "in_progress"]).values_list("id", flat=True))
    clock.move_to(T0 + dt.timedelta(hours=2))
    now = T0 + dt.timedelta(hours=2)

    # when
    response = api("neurologist").post(
        f"/api/v1/workups/{workup.pk}/switch-pathway/",
        {"condition": CORD, "reason": "Sensory level at T4 on re-examination", "version": workup.version},
        format="json",
    )

    # then: the same workup, on the cord pathway
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["condition"], body["template"]["key"]) == (workup.pk, CORD, "suspected-cord-lesion")
    assert body["pathway_offer"] is None
    workup.refresh_from_db()
    labs.refresh_from_db()
    assert labs.status == "completed"
    for order in workup.orders.filter(id__in=open_before):
        assert order.status == "cancelled"
        assert (
            order.reason
            == "Pathway switched to Suspected cervical cord lesion v1: Sensory level at T4 on re-examination"
        )
        assert order.escalation.status == EscalationStatus.ENDED
    new = {o.key: o for o in workup.orders.exclude(id__in=[*open_before, labs.pk])}
    assert set(new) == {
        "mri_whole_spine",
        "spinal_consult",
        "bladder_scan",
        "neuro_checks",
        "steroid_decision",
        "vte_decision",
    }
    assert new["mri_whole_spine"].ordered_at == now
    assert new["mri_whole_spine"].due_at == now + dt.timedelta(hours=4)
    assert new["neuro_checks"].due_at == now + dt.timedelta(minutes=30)
    assert all(o.status == "pending" and o.escalation.status == EscalationStatus.ACTIVE for o in new.values())
    # audited: who, when, from → to
    event = AuditEvent.objects.get(workup=workup, action="pathway_switched")
    assert (event.actor.username, event.at, event.from_status, event.to_status) == (
        "neurologist",
        now,
        "suspected_gbs",
        CORD,
    )
    assert event.details["from_pathway"] == str(PathwayTemplate.objects.filter(key="suspected-gbs").first())
    assert sorted(event.details["stopped_series"]) == ["autonomic", "neuro_exam", "resp_check", "swallow_screen"]
    assert event.details["to_pathway"] == "suspected-cord-lesion v1"
    assert event.details["kept_completed_orders"] == [labs.pk]
    # the GBS pathway's "consider a cervical cord lesion" alarm is answered: resolved, its climb ended
    (consider,) = workup.alerts.filter(rule="cord_lesion_red_flags")
    assert consider.status == "resolved" and consider.resolution.startswith("Pathway switched")
    assert consider.pk in event.details["resolved_alerts"]
    assert not workup.alerts.filter(category="diagnosis", status__in=["open", "acknowledged"]).exists()
    assert sorted(event.details["withdrawn_orders"]) == sorted(open_before)
    # the old pathway's series are stopped with the reason (no next occurrence placed); the new
    # pathway's neuro checks are a series with exactly one open occurrence
    series = {s.key: s for s in workup.series.all()}
    assert series["resp_check"].status == "stopped" and "Pathway switched" in series["resp_check"].stop_reason
    assert not workup.orders.filter(key="resp_check", status__in=["pending", "in_progress"]).exists()
    assert series["neuro_checks"].status == "active"
    assert workup.orders.filter(series=series["neuro_checks"], status="pending").count() == 1


def test_switching_back_numbers_orders_on(api, workup):
    client = api("physician")
    body = {"condition": CORD, "reason": "UMN signs"}
    assert client.post(f"/api/v1/workups/{workup.pk}/switch-pathway/", body, format="json").status_code == 200
    back = {"condition": "suspected_gbs", "reason": "MRI normal; GBS again"}
    assert client.post(f"/api/v1/workups/{workup.pk}/switch-pathway/", back, format="json").status_code == 200
    assert sorted(workup.orders.filter(key="labs").values_list("occurrence", flat=True)) == [1, 2]
    # the GBS series resume; the cord lesion's neuro checks stop
    series = {s.key: s.status for s in workup.series.all()}
    assert series["resp_check"] == "active" and series["neuro_checks"] == "stopped"
    assert workup.orders.filter(series__key="resp_check", status="pending").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"condition": CORD}, "reason"),
        ({"condition": CORD, "reason": "   "}, "reason"),
        ({"condition": "suspected_gbs", "reason": "why not"}, "condition"),
        ({"condition": "migraine", "reason": "why not"}, "condition"),
        ({"reason": "no condition"}, "condition"),
    ],
)
def test_bad_switch_input_is_a_400_naming_the_field(api, workup, body, field):
    response = api("physician").post(f"/api/v1/workups/{workup.pk}/switch-pathway/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Workup.objects.get(pk=workup.pk).condition == "suspected_gbs"


def test_a_stale_version_or_a_closed_workup_is_a_409(api, workup, users):
    from workup.services.closing import workup_close

    client = api("physician")
    body = {"condition": CORD, "reason": "UMN signs", "version": workup.version + 5}
    assert client.post(f"/api/v1/workups/{workup.pk}/switch-pathway/", body, format="json").status_code == 409
    workup_close(workup=workup, by=users["physician"], reason="discharged")
    body.pop("version")
    assert client.post(f"/api/v1/workups/{workup.pk}/switch-pathway/", body, format="json").status_code == 409


def test_one_open_workup_per_patient_across_conditions(ward, physician):
    data = patient_data()
    first = workup_open(patient_data=data, ward=ward, triage=triage_data(), opened_by=physician, now=T0)
    with pytest.raises(DuplicateOpenWorkup, match=f"open suspected-GBS workup \\(#{first.pk}\\)"):
        workup_open(patient_data=data, ward=ward, triage=triage_data(), opened_by=physician, now=T0, condition=CORD)
    # and the database holds it whatever the code path
    clone = Workup.objects.get(pk=first.pk)
    clone.pk = None
    clone.condition = CORD
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_the_api_answers_409_for_a_second_workup_of_another_condition(api):
    client = api("physician")
    body = triage_body()
    assert client.post("/api/v1/workups/", body, format="json").status_code == 201
    again = client.post("/api/v1/workups/", {**body, "condition": CORD}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_open_workup"


# --- Web ---------------------------------------------------------------------------------------


def test_the_triage_form_offers_the_condition_and_opens_a_cord_workup(users, ward):
    client = Client()
    client.force_login(users["physician"])
    page = client.get("/workups/new/")
    assert 'name="condition"' in page.content.decode()
    data = patient_data()
    form = {
        "condition": CORD, "ward": "4N", "bed": "9", "mrn": data["mrn"], "name": data["name"],
        "date_of_birth": data["date_of_birth"].isoformat(), "sex": data["sex"], "height_cm": "175",
        "weight_kg": "70", "onset_of_weakness_on": "2026-11-20",
    }  # fmt: skip
    response = client.post("/workups/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Workup.objects.get(patient__mrn=data["mrn"]).condition == CORD


def test_the_workup_page_offers_the_switch_and_the_form_switches(users):
    workup = open_workup(
        ward=users["physician"].wards.first(), opened_by=users["physician"], now=T0, triage={"umn_signs": True}
    )
    client = Client()
    client.force_login(users["physician"])
    page = client.get(f"/workups/{workup.pk}/").content.decode()
    assert 'id="pathway-offer"' in page
    assert f"/workups/{workup.pk}/switch-pathway/" in page

    form = client.get(f"/workups/{workup.pk}/switch-pathway/")
    assert form.status_code == 200
    assert f'value="{CORD}" selected' in form.content.decode()
    missing = client.post(f"/workups/{workup.pk}/switch-pathway/", {"condition": CORD, "reason": ""})
    assert missing.status_code == 400
    done = client.post(
        f"/workups/{workup.pk}/switch-pathway/", {"condition": CORD, "reason": "UMN signs", "version": workup.version}
    )
    assert done.status_code == 302
    workup.refresh_from_db()
    assert workup.condition == CORD
    page = client.get(f"/workups/{workup.pk}/").content.decode()
    assert "Suspected cervical cord lesion v1" in page and 'id="pathway-offer"' not in page


def test_nurses_do_not_see_the_switch_and_may_not_use_it(users, workup):
    client = Client()
    client.force_login(users["nurse"])
    assert "switch-pathway" not in client.get(f"/workups/{workup.pk}/").content.decode()
    assert client.get(f"/workups/{workup.pk}/switch-pathway/").status_code == 403
    assert client.post(f"/workups/{workup.pk}/switch-pathway/", {"condition": CORD, "reason": "x"}).status_code == 403


def test_a_cord_lesion_triage_raises_no_gbs_diagnosis_alarms(ward, physician):
    red_flagged = triage_data(sensory_level=True, marked_asymmetry=True, dyspnea=True)
    workup = workup_open(
        patient_data=patient_data(), ward=ward, triage=red_flagged, opened_by=physician, now=T0, condition=CORD
    )
    rules = set(workup.alerts.values_list("rule", flat=True))
    assert "cord_lesion_red_flags" not in rules
    assert not workup.alerts.filter(category="diagnosis").exists()
    assert rules  # dyspnoea still raises its respiratory alarm
