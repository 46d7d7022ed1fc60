"""manage.py export_pathway: YAML that load_pathway reads back unchanged (every shipped pathway
round-trips), and a FHIR PlanDefinition with ActivityDefinitions that validate as R4B."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fhir.conftest import validate_r4b
from workup.pathway_files import PATHWAYS_DIR, parse_pathway, read_pathway_file
from workup.services.pathways import pathway_publish

pytestmark = pytest.mark.django_db

SHIPPED = sorted(PATHWAYS_DIR.glob("*.yaml"))


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_pathway", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_pathway_round_trips_through_yaml(path, tmp_path):
    # given: the pathway as the migrations published it
    shipped = read_pathway_file(path)

    # when: exported and read back
    text = export(shipped.key, "--version", str(shipped.version))

    # then: the same definition, and load_pathway sees nothing new to publish
    assert parse_pathway(text) == shipped
    exported = tmp_path / path.name
    exported.write_text(text, encoding="utf-8")
    pathway, created = pathway_publish(path=exported)
    assert (pathway.key, pathway.version, created) == (shipped.key, shipped.version, False)
    call_command("load_pathway", str(exported), stdout=io.StringIO())


def test_without_a_version_the_newest_is_exported_and_to_a_file(tmp_path):
    target = tmp_path / "out.yaml"
    call_command("export_pathway", "suspected-gbs", "--output", str(target))
    assert parse_pathway(target.read_text()).key == "suspected-gbs"


def test_an_unknown_pathway_or_version_is_a_clear_error():
    with pytest.raises(CommandError, match="No published pathway 'nope'"):
        export("nope")
    with pytest.raises(CommandError, match="No published pathway 'suspected-gbs v99'"):
        export("suspected-gbs", "--version", "99")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_the_fhir_export_is_a_plan_definition_with_activity_definitions(path):
    shipped = read_pathway_file(path)
    bundle = json.loads(export(shipped.key, "--version", str(shipped.version), "--format", "fhir"))

    validate_r4b(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        validate_r4b(resource)
    plan, *activities = resources
    assert plan["resourceType"] == "PlanDefinition"
    assert plan["version"] == str(shipped.version)
    assert [a["resourceType"] for a in activities] == ["ActivityDefinition"] * len(shipped.orders)
    # Each action points at its ActivityDefinition by canonical URL and version.
    canonicals = {f"{a['url']}|{a['version']}" for a in activities}
    assert {action["definitionCanonical"] for action in plan["action"]} == canonicals


def test_plan_definition_timing_recurrence_and_stat_window():
    bundle = json.loads(export("suspected-gbs", "--version", "1", "--format", "fhir"))
    plan = bundle["entry"][0]["resource"]
    actions = {a["id"].replace("-", "_"): a for a in plan["action"]}
    assert actions["resp_baseline"]["timingDuration"] == {
        "value": 30, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"
    }  # fmt: skip
    assert "timingDuration" not in actions["resp_check"]
    assert actions["resp_check"]["relatedAction"][0]["actionId"] == "resp-baseline"
    assert actions["mri_spine"]["extension"][0]["valueDuration"]["value"] == 240
    activities = {e["resource"]["name"]: e["resource"] for e in bundle["entry"][1:]}
    assert activities["resp_check"]["timingTiming"]["repeat"] == {"frequency": 1, "period": 240, "periodUnit": "min"}
    assert activities["mri_spine"]["relatedArtifact"][0]["display"].startswith("24 h; 4 h (STAT)")


def test_the_cord_mri_exports_its_early_escalation():
    bundle = json.loads(export("suspected-cord-lesion", "--format", "fhir"))
    mri = next(a for a in bundle["entry"][0]["resource"]["action"] if a["id"] == "mri-whole-spine")
    assert mri["timingDuration"]["value"] == 240
    (extension,) = mri["extension"]
    assert extension["url"].endswith("/workup-escalation-start-offset")
    assert extension["valueDuration"]["value"] == 60


# --- load_pathway errors name the line and the field ----------------------------------------------

BAD_PRIORITY = """\
key: x
version: 1
title: X
condition: c
orders:
  - key: a
    title: A
    category: labs
  - key: b
    title: B
    category: labs
    priority: whenever
"""


def test_an_error_names_the_line_and_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_PRIORITY)
    with pytest.raises(CommandError, match=r"bad\.yaml: line 12, orders\[1\]\.priority: priority must be one of"):
        call_command("load_pathway", str(path), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (
            BAD_PRIORITY.replace("    category: labs\n    priority: whenever\n", "    priority: stat\n"),
            9,
            "orders[1].category",
        ),
        (BAD_PRIORITY.replace("priority: whenever", "due_offset_minutes: -5"), 12, "orders[1].due_offset_minutes"),
        (BAD_PRIORITY.replace("priority: whenever", "colour: red"), 12, "orders[1].colour"),
        (BAD_PRIORITY.replace("key: b", "key: a").replace("priority: whenever", "priority: stat"), 9, "orders[1].key"),
        (BAD_PRIORITY.replace("version: 1", "version: zero"), 2, "version"),
        (BAD_PRIORITY + "  - key: c\n    title: C\n    category: labs\n    recurs_as: d\n", 16, "orders[2].recurs_as"),
    ],
)
def test_each_kind_of_error_points_at_its_line(text, line, field):
    from workup.pathway_files import PathwayFileError

    text = text.replace("priority: whenever", "priority: stat") if field != "orders[1].priority" else text
    with pytest.raises(PathwayFileError) as caught:
        parse_pathway(text)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert str(caught.value).startswith(f"line {line}, {field}: ")


def test_a_yaml_syntax_error_names_its_line():
    from workup.pathway_files import PathwayFileError

    with pytest.raises(PathwayFileError, match=r"^line 3: not valid YAML"):
        parse_pathway("key: x\nversion: 1\ntitle: X: Y\n")
