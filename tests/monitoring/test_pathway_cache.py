"""The per-process cache of what entries read from a pathway version (completion rules, order
templates): the same answers as the selectors, no query once read, emptied whenever a pathway or
order template row is written (a new version published), and never kept for a draft."""

import datetime as dt

import pytest
import yaml

from orders.models import OrderStatus
from orders.selectors import completion_rules_of, order_template_for
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import OrderTemplate, PathwayTemplate
from workup.monitoring import pathway_cache
from workup.monitoring.pathway_cache import completion_rules_for, pathway_entries, template_for
from workup.monitoring.services.readings import reading_record
from workup.pathway_files import GBS_V2_FILE
from workup.services.pathways import pathway_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    pathway_cache.pathway_cache_clear()
    yield
    pathway_cache.pathway_cache_clear()


def _v3_file(tmp_path, *, resp_check_completed_by):
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = 3
    for order in definition["orders"]:
        if order["key"] in ("resp_baseline", "resp_check"):
            order["completed_by"] = resp_check_completed_by
    path = tmp_path / "suspected-gbs-v3.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


@pytest.mark.parametrize("version", [1, 2])
def test_the_cache_answers_as_the_selectors_do(ward, physician, version):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup.pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=version)

    assert dict(completion_rules_for(workup=workup)) == completion_rules_of(workup=workup)
    for key in ("resp_check", "labs", "neuro_exam", "ivig_dose", "no_such_order"):
        assert template_for(workup=workup, key=key) == order_template_for(workup=workup, key=key)


def test_a_version_is_read_once(ward, physician, django_assert_num_queries):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    pathway = workup.pathway
    pathway_cache.pathway_cache_clear()  # triage read it already (its alert rules)
    with django_assert_num_queries(1):
        first = pathway_entries(pathway)
    with django_assert_num_queries(0):
        again = pathway_entries(pathway)
        template_for(workup=workup, key="resp_check")
        completion_rules_for(workup=workup)

    assert again is first


def test_publishing_a_new_version_empties_the_cache_and_each_workup_keeps_its_own_rules(
    tmp_path, ward, physician, nurse, broker
):
    # given a workup on v2 whose rules are cached
    on_v2 = open_workup(ward=ward, opened_by=physician, now=T0)
    v2_rules = pathway_entries(on_v2.pathway).completion_rules
    assert pathway_cache._cache

    # when v3 is published: its respiratory checks are completed by an FVC only
    pathway_publish(path=_v3_file(tmp_path, resp_check_completed_by={"any_of": ["fvc_ml"]}))

    # then the cache was emptied, v2 still answers with its own rules and v3 with its new ones
    assert not pathway_cache._cache
    on_v3 = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "V3-0001"})
    assert on_v3.pathway.version == 3
    assert dict(completion_rules_for(workup=on_v2)) == dict(v2_rules)
    assert completion_rules_for(workup=on_v3)["resp_baseline"].any_of == ("fvc_ml",)
    # a NIF-only reading completes the v2 baseline, not the v3 one
    at = T0 + dt.timedelta(hours=1)
    done_v2 = reading_record(workup=on_v2, data={"nif_cm_h2o": -50}, by=nurse, now=at)
    done_v3 = reading_record(workup=on_v3, data={"nif_cm_h2o": -50}, by=nurse, now=at)
    assert [o.key for o in done_v2.completed_orders] == ["resp_baseline"]
    assert done_v3.completed_orders == ()
    assert on_v3.orders.get(key="resp_baseline").status == OrderStatus.PENDING


def test_writing_an_order_template_empties_the_cache(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    pathway_entries(workup.pathway)

    template = OrderTemplate.objects.get(pathway=workup.pathway, key="labs")
    template.save()

    assert not pathway_cache._cache


def test_a_draft_is_never_kept(ward, physician, django_assert_num_queries):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    PathwayTemplate.objects.filter(pk=workup.pathway_id).update(published=False)
    pathway_cache.pathway_cache_clear()  # an update() sends no signal; triage read the version
    workup.pathway.refresh_from_db()

    pathway_entries(workup.pathway)
    with django_assert_num_queries(1):
        pathway_entries(workup.pathway)
    assert not pathway_cache._cache
