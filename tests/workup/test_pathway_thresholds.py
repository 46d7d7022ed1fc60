"""A hospital's pathway version with its own rule thresholds (spec preamble: every threshold is the
default of a versioned pathway template). The version's numbers decide every alert of a workup on
it — readings, vitals, exams, triage — and every figure the ward sees beside them; a workup on
another version keeps that version's, and a file with an unusable threshold is refused with its
line and the reason."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import ValidationError

from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.cadence import Cadence
from workup.errors import PathwayConflict
from workup.fhir.plan_definition import plan_definition_resource
from workup.models import Alert, PathwayTemplate, RespiratoryReading
from workup.monitoring import pathway_cache
from workup.monitoring.selectors import workup_resp_cadence
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record
from workup.pathway_files import GBS_V2_FILE, PathwayFileError, definition_from_rows, dump_pathway, parse_pathway
from workup.services.pathways import pathway_publish

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
THRESHOLDS = {"vc_low.fvc_ml_per_kg_ibw": 25, "nif_weak.nif_cm_h2o": -25, "autonomic_hr.heart_rate_bpm.above": 110}
# A 175 cm man (the factory's patient): IBW 70.566 kg. 1600 mL is 22.67 mL/kg IBW; 1762 mL is
# 24.97 mL/kg IBW (24.9695), which half-up reads "25.0".
BELOW_25 = 1600
JUST_BELOW_25 = 1762


@pytest.fixture(autouse=True)
def _empty_cache():
    pathway_cache.pathway_cache_clear()
    yield
    pathway_cache.pathway_cache_clear()


def version_file(tmp_path, thresholds, *, version: int = 3):
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = version
    definition["thresholds"] = thresholds
    path = tmp_path / f"suspected-gbs-v{version}.yaml"
    path.write_text(yaml.safe_dump(definition, sort_keys=False, allow_unicode=True))
    return path


@pytest.fixture
def v3(tmp_path):
    pathway, created = pathway_publish(path=version_file(tmp_path, THRESHOLDS))
    assert created and pathway.rule_thresholds == THRESHOLDS
    return pathway


def workup_on(pathway, ward, physician, **triage):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage=triage or None)
    assert workup.pathway_id == pathway.pk  # the newest published version
    return workup


def test_a_reading_is_judged_by_the_workup_s_own_version(v3, ward, physician, nurse, broker):
    on_v3 = workup_on(v3, ward, physician)
    on_v2 = open_workup(ward=ward, opened_by=physician, now=T0)
    on_v2.pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=2)
    on_v2.save(update_fields=["pathway"])

    for workup in (on_v3, on_v2):
        reading_record(workup=workup, data={"fvc_ml": BELOW_25, "nif_cm_h2o": -27}, by=nurse, now=T0 + H)

    alerts = {a.rule: a for a in Alert.objects.filter(workup=on_v3)}
    assert {rule: a.severity for rule, a in alerts.items()} == {"vc_low": "CRIT"}  # −27 is not weaker than −25
    assert alerts["vc_low"].message == "Vital capacity below 25 mL/kg: FVC 22.7 mL/kg IBW (< 25 mL/kg IBW)"
    assert alerts["vc_low"].source == "[local: suspected-gbs v3; default 20, S1]"
    # v2: 22.7 mL/kg passes its 20 mL/kg line; −27 cmH2O is weaker than its −30
    [on_v2_alert] = Alert.objects.filter(workup=on_v2)
    assert (on_v2_alert.rule, on_v2_alert.message) == (
        "nif_weak",
        "Inspiratory force weaker than −30 cmH2O (20/30/40 rule): NIF -27 cmH2O (weaker than −30 cmH2O)",
    )


def test_vitals_are_judged_by_the_version_too(v3, ward, physician, nurse, broker):
    workup = workup_on(v3, ward, physician)

    vitals_record(workup=workup, data={"heart_rate_bpm": 115}, by=nurse, now=T0 + H)

    alert = Alert.objects.get(workup=workup)
    assert (alert.rule, alert.severity, alert.message) == (
        "autonomic_hr",
        "HIGH",
        "Heart rate out of range: HR 115/min (> 110/min)",
    )


def test_the_stored_and_shown_figures_stay_below_the_version_s_line(v3, ward, physician, nurse, client, broker):
    workup = workup_on(v3, ward, physician)
    client.force_login(nurse)

    response = client.post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": str(JUST_BELOW_25)})

    assert Alert.objects.get(workup=workup, rule="vc_low").severity == "CRIT"
    assert RespiratoryReading.objects.get(workup=workup).fvc_ml_per_kg_ibw == Decimal("24.97")
    result = re.search(r'<section id="reading-result".*?</section>', response.content.decode(), re.S).group(0)
    assert "<strong>24.9 mL/kg</strong>" in result and "25.0" not in result
    [listed] = client.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]
    assert listed["fvc_ml_per_kg_ibw"] == 24.9
    page = client.get(f"/workups/{workup.pk}/").content.decode()
    assert "FVC 1762 mL (24.9 mL/kg IBW" in page
    assert "FVC 25 mL/kg</text>" in page and "NIF −25 cmH2O</text>" in page  # the chart's lines are the version's
    handover = client.get(f"/wards/{ward.code}/handover/").content.decode()
    assert "1762 mL = 24.9 mL/kg IBW" in handover


def test_a_default_version_shows_half_up_where_it_has_no_line(ward, physician, nurse, client, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    reading_record(workup=workup, data={"fvc_ml": JUST_BELOW_25}, by=nurse, now=T0 + H)
    client.force_login(nurse)

    [listed] = client.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]
    assert listed["fvc_ml_per_kg_ibw"] == 25.0
    assert not Alert.objects.filter(workup=workup).exists()


def test_triage_findings_are_judged_by_the_version(tmp_path, ward, physician):
    pathway, _ = pathway_publish(path=version_file(tmp_path, {"rapid_progression.mrc_sum_drop_24h_points": 8}))
    workup = workup_on(pathway, ward, physician, able_to_walk_unaided=False)

    alert = Alert.objects.get(workup=workup, rule="rapid_progression")
    assert alert.severity == "HIGH" and "inability to walk" in alert.message


def test_a_file_with_an_unusable_threshold_names_its_line_and_the_reason(tmp_path):
    text = version_file(tmp_path, {"nif_weak.nif_cm_h2o": 30}).read_text()
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.strip().startswith("nif_weak."))

    with pytest.raises(PathwayFileError) as refused:
        parse_pathway(text)

    assert refused.value.field == "thresholds.nif_weak.nif_cm_h2o"
    assert refused.value.line == line
    assert "must be between −80 and −5 cmH2O (default −30); got 30" in str(refused.value)


@pytest.mark.parametrize(
    ("thresholds", "problem"),
    [
        ({"vc_low": 25}, "unknown threshold"),
        ({"vc_low.fvc_ml_per_kg_ibw": "25 mL/kg"}, "must be a number"),
        (["vc_low.fvc_ml_per_kg_ibw"], "thresholds must be a mapping"),
    ],
)
def test_other_unusable_thresholds_are_refused(tmp_path, thresholds, problem):
    with pytest.raises(PathwayFileError, match=problem):
        parse_pathway(version_file(tmp_path, thresholds).read_text())


def test_a_version_s_thresholds_are_part_of_what_was_published(v3, tmp_path):
    # exported and read back: the same definition, thresholds included
    definition = definition_from_rows(pathway=v3, order_templates=v3.order_templates.order_by("position"))
    assert parse_pathway(dump_pathway(definition)) == definition
    assert definition.thresholds == THRESHOLDS
    # the same file again is a no-op; other thresholds under the same version are refused
    assert pathway_publish(path=version_file(tmp_path, THRESHOLDS)) == (v3, False)
    with pytest.raises(PathwayConflict):
        pathway_publish(path=version_file(tmp_path, {**THRESHOLDS, "vc_low.fvc_ml_per_kg_ibw": 22}))


def test_a_draft_edited_in_the_admin_is_held_to_the_same_rule(db):
    draft = PathwayTemplate(key="suspected-gbs", version=9, title="Draft", condition="suspected_gbs")
    draft.rule_thresholds = {"nif_weak.nif_cm_h2o": 25, "vc_low.fvc_ml_per_kg_ibw": 25}

    with pytest.raises(ValidationError) as refused:
        draft.full_clean()

    assert refused.value.message_dict["rule_thresholds"] == [
        "nif_weak.nif_cm_h2o must be between −80 and −5 cmH2O (default −30); got 25."
    ]
    draft.rule_thresholds = {"vc_low.fvc_ml_per_kg_ibw": 25}
    draft.full_clean()


def test_a_file_that_restates_a_default_is_the_same_version(v3, tmp_path):
    restated = {**THRESHOLDS, "vc_critical.fvc_ml": 1000, "nif_weak.nif_cm_h2o": -25.0}
    assert pathway_publish(path=version_file(tmp_path, restated)) == (v3, False)


def test_the_fhir_plan_definition_carries_the_version_s_thresholds(v3):
    definition = definition_from_rows(pathway=v3, order_templates=v3.order_templates.order_by("position"))

    resource = plan_definition_resource(definition, base_url="https://workup.h.test")

    assert [
        ({e["url"]: e.get("valueString", e.get("valueDecimal")) for e in x["extension"]}, x["url"])
        for x in resource["extension"]
    ] == [
        ({"id": key, "value": value}, "https://workup.h.test/fhir/StructureDefinition/workup-rule-threshold")
        for key, value in sorted(THRESHOLDS.items())
    ]
    default = PathwayTemplate.objects.get(key="suspected-gbs", version=2)
    plain = definition_from_rows(pathway=default, order_templates=default.order_templates.order_by("position"))
    assert "extension" not in plan_definition_resource(plain, base_url="https://workup.h.test")


# Onset 2 days before admission (+2), MRC 44 (+1): EGRIS 3.
EGRIS_3 = {"onset_of_weakness_on": dt.date(2026, 11, 22), "mrc_sum_score": 44}


def test_the_cadence_tightens_from_the_version_s_egris_line(tmp_path, ward, physician):
    pathway, _ = pathway_publish(path=version_file(tmp_path, {"resp_check.tight_from_egris_points": 4}))
    on_v3 = workup_on(pathway, ward, physician, **EGRIS_3)
    on_v2 = open_workup(ward=ward, opened_by=physician, now=T0, triage=EGRIS_3)
    on_v2.pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=2)
    on_v2.save(update_fields=["pathway"])

    assert workup_resp_cadence(workup=on_v2, now=T0 + H) == Cadence(120, ("EGRIS 3 ≥ 3",))
    assert workup_resp_cadence(workup=on_v3, now=T0 + H) == Cadence(240, ())


def test_the_checks_relax_after_the_version_s_quiet_period(tmp_path, ward, physician, nurse, broker):
    pathway, _ = pathway_publish(path=version_file(tmp_path, {"resp_check.quiet_period_hours": 24}))
    workup = workup_on(pathway, ward, physician)
    reading_record(workup=workup, data={"fvc_ml": 4000}, by=nurse, now=T0 + H, taken_at=T0 + H)
    reading = reading_record(workup=workup, data={"fvc_ml": 2600}, by=nurse, now=T0 + 2 * H)  # a fall: HIGH
    assert reading.reading.findings  # the finding the quiet period counts from
    Alert.objects.filter(workup=workup).update(status="resolved")  # the team dealt with it

    assert workup_resp_cadence(workup=workup, now=T0 + 20 * H).reasons == ("respiratory finding in the last 24 h",)
    assert workup_resp_cadence(workup=workup, now=T0 + 27 * H) == Cadence(240, ())


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("resp_check.tight_from_egris_points", 8, "between 1 and 7 (default 3)"),
        ("resp_check.tight_from_egris_points", 2.5, "must be a whole number"),
        ("resp_check.quiet_period_hours", 0, "between 1 and 168 h (default 48)"),
    ],
)
def test_unusable_cadence_lines_are_refused(tmp_path, key, value, problem):
    with pytest.raises(PathwayFileError, match=re.escape(problem)):
        parse_pathway(version_file(tmp_path, {key: value}).read_text())
