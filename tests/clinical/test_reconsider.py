"""Spec §4 "reconsider diagnosis" (MED)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workup.clinical.reconsider import DiagnosisFeatures, evaluate_reconsider_diagnosis, reconsider_features_named
from workup.clinical.rules import Severity


@pytest.mark.parametrize(
    "feature", ["sensory_level", "persistent_bladder_bowel_dysfunction", "marked_asymmetry", "fever_at_onset"]
)
@pytest.mark.parametrize(("present", "fires"), [(True, True), (False, False), (None, False)])
def test_each_feature_making_gbs_doubtful(feature, present, fires):
    findings = evaluate_reconsider_diagnosis(DiagnosisFeatures(**{feature: present}))
    assert [(f.rule, f.severity) for f in findings] == ([("reconsider_diagnosis", Severity.MED)] if fires else [])


@pytest.mark.parametrize(("csf_wbc_per_ul", "fires"), [(49, False), (50, True), (51, True), (0, False), (None, False)])
def test_csf_wbc_50_or_more(csf_wbc_per_ul, fires):
    findings = evaluate_reconsider_diagnosis(DiagnosisFeatures(csf_wbc_per_ul=csf_wbc_per_ul))
    assert bool(findings) is fires
    if fires:
        assert findings[0].source == "[S8, S4]"
        assert findings[0].value == csf_wbc_per_ul


def test_one_finding_lists_every_reason_and_claims_no_diagnosis():
    features = DiagnosisFeatures(sensory_level=True, fever_at_onset=True, csf_wbc_per_ul=120)
    [finding] = evaluate_reconsider_diagnosis(features)
    assert finding.message == (
        "Features that make GBS less likely: reconsider the diagnosis: "
        "sensory level; fever at onset; CSF WBC 120/µL (≥ 50/µL)"
    )
    assert finding.source == "[S8, S4]"


FEATURE_VALUES = {
    "sensory_level": True,
    "persistent_bladder_bowel_dysfunction": True,
    "marked_asymmetry": True,
    "fever_at_onset": True,
    "csf_wbc_per_ul": 60,
}


@given(
    st.sets(st.sampled_from(sorted(FEATURE_VALUES)), min_size=1),
    st.sets(st.sampled_from(sorted(FEATURE_VALUES)), min_size=1),
)
def test_a_message_names_exactly_the_features_present(resolved_with, now_present):
    """What a resolved alert listed and what fires now are compared by the features their
    messages name: the comparison holds for every pair of feature sets."""

    def named(features: set[str]) -> frozenset[str]:
        [finding] = evaluate_reconsider_diagnosis(DiagnosisFeatures(**{f: FEATURE_VALUES[f] for f in features}))
        return reconsider_features_named(finding.message)

    assert (named(now_present) <= named(resolved_with)) is (now_present <= resolved_with)
