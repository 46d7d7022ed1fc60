import datetime as dt

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import T0
from tests.factories import open_workup
from workup.errors import PathwayConflict
from workup.models import OrderTemplate, PathwayTemplate
from workup.pathway_files import GBS_V2_FILE, PathwayFileError, parse_pathway
from workup.services.pathways import pathway_publish

pytestmark = pytest.mark.django_db


def _v3_file(tmp_path, *, labs_due_minutes=120, version=3):
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = version
    definition["title"] = f"Suspected GBS v{version}"
    for order in definition["orders"]:
        if order["key"] == "labs":
            order["due_offset_minutes"] = labs_due_minutes
    path = tmp_path / f"suspected-gbs-v{version}.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


def test_the_default_pathway_v1_is_published_by_the_migrations():
    pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=1)

    assert pathway.published
    assert pathway.order_templates.count() == 12
    mri = pathway.order_templates.get(key="mri_spine")
    assert (mri.due_offset_minutes, mri.stat_due_offset_minutes) == (24 * 60, 4 * 60)
    assert "S7" in mri.source


def test_the_spec_v1_1_pathway_v2_is_published_by_the_migrations_and_new_workups_start_on_it():
    pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=2)
    templates = {t.key: t for t in pathway.order_templates.all()}

    assert pathway.published
    assert templates["resp_check"].completed_by == {"any_of": ["fvc_ml", "nif_cm_h2o"]}
    assert templates["autonomic"].completed_by == {
        "all_of": ["systolic_bp_mm_hg", "diastolic_bp_mm_hg", "heart_rate_bpm"]
    }
    assert templates["neuro_exam"].completed_by == {"all_of": ["mrc_sum_score"]}
    assert templates["labs"].completed_by is None
    assert {"ivig_pretreatment_check", "ivig_dose", "plex_session", "vte_decision"} <= set(templates)
    # v1 is immutable: its rows carry no completion rules (the v1 data rule lives in orders.completion).
    assert (
        not PathwayTemplate.objects.get(key="suspected-gbs", version=1)
        .order_templates.exclude(completed_by=None)
        .exists()
    )


def test_publishing_v3_leaves_open_workups_on_v2_and_new_ones_start_on_v3(tmp_path, ward, physician):
    running = open_workup(ward=ward, opened_by=physician, now=T0)
    labs_due_before = running.orders.get(key="labs").due_at

    pathway_publish(path=_v3_file(tmp_path, labs_due_minutes=120))
    new = open_workup(ward=ward, opened_by=physician, now=T0)

    running.refresh_from_db()
    assert running.pathway.version == 2
    assert running.orders.get(key="labs").due_at == labs_due_before == T0 + dt.timedelta(hours=4)
    assert new.pathway.version == 3
    assert new.orders.get(key="labs").due_at == T0 + dt.timedelta(hours=2)


def test_recurrences_follow_the_workups_own_version(tmp_path, ward, physician):
    from orders.services import order_cancel

    running = open_workup(ward=ward, opened_by=physician, now=T0)
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = 3
    for order in definition["orders"]:
        if order["key"] == "swallow_screen":
            order["recurrence_interval_minutes"] = 60
    path = tmp_path / "v3.yaml"
    path.write_text(yaml.safe_dump(definition))
    pathway_publish(path=path)

    order_cancel(order=running.orders.get(key="swallow_screen"), by=physician, reason="patient asleep", now=T0)

    assert running.orders.get(key="swallow_screen", occurrence=2).due_at == T0 + dt.timedelta(hours=24)


def test_loading_the_same_file_twice_is_a_no_op(tmp_path):
    path = _v3_file(tmp_path)
    _, created_first = pathway_publish(path=path)
    _, created_again = pathway_publish(path=path)

    assert (created_first, created_again) == (True, False)
    assert PathwayTemplate.objects.filter(key="suspected-gbs", version=3).count() == 1


def test_a_published_version_cannot_be_changed(tmp_path):
    pathway_publish(path=_v3_file(tmp_path, labs_due_minutes=120))

    with pytest.raises(PathwayConflict, match="new version number"):
        pathway_publish(path=_v3_file(tmp_path, labs_due_minutes=90))


def test_load_pathway_command_reports_what_it_did(tmp_path, capsys):
    call_command("load_pathway")
    call_command("load_pathway", str(_v3_file(tmp_path)))

    out = capsys.readouterr().out
    assert "Already published: suspected-gbs v1" in out
    assert "Already published: suspected-gbs v2" in out
    assert "Published: suspected-gbs v3" in out


def test_load_pathway_command_fails_clearly_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: x\nversion: 1\ntitle: X\ncondition: c\norders: []\n")

    with pytest.raises(CommandError, match="orders must be a non-empty list"):
        call_command("load_pathway", str(bad))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 0}, "version"),
        ({"orders": [{"key": "a", "title": "A", "category": "astrology"}]}, "category"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "assigned_role": "porter"}]}, "assigned_role"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "due_offset_minutes": -5}]}, "minutes"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "recurs_as": "b"}]}, "recurs_as"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs"}] * 2}, "unique"),
        ({"colour": "red"}, "Unknown fields"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "completed_by": {"any_of": ["fvc_l"]}}]}, "fvc_l"),
        (
            {"orders": [{"key": "a", "title": "A", "category": "labs", "completed_by": {"one_of": ["fvc_ml"]}}]},
            "one_of",
        ),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "completed_by": {"any_of": []}}]}, "non-empty"),
        ({"orders": [{"key": "a", "title": "A", "category": "labs", "completed_by": ["fvc_ml"]}]}, "mapping"),
    ],
)
def test_pathway_files_are_checked_before_anything_is_published(change, message):
    definition = {
        "key": "x",
        "version": 1,
        "title": "X",
        "condition": "c",
        "orders": [{"key": "a", "title": "A", "category": "labs"}],
    }
    with pytest.raises(PathwayFileError, match=message):
        parse_pathway(yaml.safe_dump({**definition, **change}))


RESP_CHECK = {"key": "resp_check", "title": "Respiratory check", "category": "respiratory"}


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (
            {**RESP_CHECK, "recurrence_interval_minutes": 180, "tight_interval_minutes": 240},
            r"orders\[0\]\.tight_interval_minutes: tight_interval_minutes \(240\) must not be longer than "
            r"recurrence_interval_minutes \(180\)",
        ),
        (
            {**RESP_CHECK, "recurrence_interval_minutes": 180, "tight_interval_minutes": 0},
            r"orders\[0\]\.tight_interval_minutes: tight_interval_minutes must be at least 1 minute",
        ),
        (
            {**RESP_CHECK, "recurrence_interval_minutes": 180, "tight_interval_minutes": -30},
            r"orders\[0\]\.tight_interval_minutes: tight_interval_minutes must be a whole number",
        ),
        (
            {**RESP_CHECK, "tight_interval_minutes": 90},
            r"tight_interval_minutes needs recurrence_interval_minutes",
        ),
        (
            {**RESP_CHECK, "key": "neuro_exam", "recurrence_interval_minutes": 480, "tight_interval_minutes": 240},
            r"orders\[0\]\.tight_interval_minutes: only resp_check has a tight interval",
        ),
    ],
)
def test_a_tight_interval_must_be_positive_and_no_longer_than_the_routine_one(order, message):
    text = yaml.safe_dump({"key": "x", "version": 1, "title": "X", "condition": "c", "orders": [order]})

    with pytest.raises(PathwayFileError, match=message) as refused:
        parse_pathway(text)

    assert refused.value.field == "orders[0].tight_interval_minutes"


def test_load_pathway_refuses_a_tight_interval_longer_than_the_routine_one_and_publishes_nothing(tmp_path):
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = 3
    for order in definition["orders"]:
        if order["key"] == "resp_check":
            order.update(recurrence_interval_minutes=180, tight_interval_minutes=200)
    path = tmp_path / "v3.yaml"
    path.write_text(yaml.safe_dump(definition, sort_keys=False))

    with pytest.raises(CommandError, match=r"line \d+, orders\[1\]\.tight_interval_minutes: .*\(200\)"):
        call_command("load_pathway", str(path))
    assert not PathwayTemplate.objects.filter(key="suspected-gbs", version=3).exists()


def test_a_draft_edited_in_the_admin_is_held_to_the_same_rule():
    draft = PathwayTemplate.objects.create(key="draft", version=1, title="Draft", condition="suspected_gbs")
    template = OrderTemplate(pathway=draft, recurrence_interval_minutes=180, tight_interval_minutes=200, **RESP_CHECK)

    with pytest.raises(ValidationError) as refused:
        template.full_clean()

    assert (
        "must not be longer than recurrence_interval_minutes (180)"
        in refused.value.message_dict["tight_interval_minutes"][0]
    )
    template.tight_interval_minutes = 90
    template.full_clean()


def test_the_shipped_v2_states_its_tight_interval_and_its_stored_row_matches():
    resp_check = OrderTemplate.objects.get(pathway__key="suspected-gbs", pathway__version=2, key="resp_check")
    assert (resp_check.recurrence_interval_minutes, resp_check.tight_interval_minutes) == (240, 120)
    assert pathway_publish(path=GBS_V2_FILE)[1] is False  # load_pathway still finds v2 unchanged
