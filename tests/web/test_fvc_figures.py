"""A reading's figures as the ward sees them (spec §3: decisions use the value as entered; mL/kg of
ideal body weight with the actual-weight figure beside it): never on the other side of a threshold
than the alert that fired (or did not), and the actual-weight figure beside each ideal-weight one.
The display rule itself (and its property test): tests/clinical/test_figures.py."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.conftest import T0
from tests.factories import open_workup
from workup.models import Alert, RespiratoryReading
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

# A 175 cm man (IBW 70.566 kg, actual 70 kg): 1058.2 mL is 14.996 mL/kg IBW — below 15, CRIT;
# half-up it would read "15.0 mL/kg" beside "FVC < 15 mL/kg". Per kg of actual weight: 15.117.
JUST_BELOW_15_ML_PER_KG = "1058.2"


@pytest.fixture
def workup(users, ward, clock):
    return open_workup(ward=ward, opened_by=users["physician"])


def test_the_reading_result_shows_the_figure_that_fired_below_its_line_and_the_actual_weight_figure(browser, workup):
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": JUST_BELOW_15_ML_PER_KG})

    result = re.search(r'<section id="reading-result".*?</section>', response.content.decode(), re.S).group(0)
    assert Alert.objects.get(workup=workup, rule="vc_critical").severity == "CRIT"
    assert "<strong>14.9 mL/kg</strong> ideal body weight" in result and "15.0 mL/kg" not in result
    assert "FVC 14.9 mL/kg IBW (&lt; 15 mL/kg IBW)" in result and "FVC 14.9 mL/kg IBW (&lt; 20 mL/kg IBW)" in result
    assert "ideal body weight (15.1 mL/kg actual)" in result
    assert RespiratoryReading.objects.get(workup=workup).fvc_ml_per_kg_ibw == Decimal("14.99")  # not 15.00


def test_the_chart_list_and_the_handover_show_both_figures_on_the_side_of_the_alert(browser, workup):
    nurse = browser("nurse")
    nurse.post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "999.6"})  # < 1.0 L: vc_critical

    handover = nurse.get("/wards/4N/handover/").content.decode()
    workup_page = nurse.get(f"/workups/{workup.pk}/").content.decode()

    # 999.6 mL is below 1.0 L: "1000 mL" would contradict the alert beside it.
    assert "999.6 mL = 14.2 mL/kg IBW (14.3 mL/kg actual)" in handover and "1000 mL" not in handover
    assert "FVC 999.6 mL (14.2 mL/kg IBW; 14.3 mL/kg actual)" in workup_page


def test_the_change_from_best_reads_beyond_30_percent_beside_a_fall_alert(browser, users, workup, broker):
    reading_record(workup=workup, data={"fvc_ml": 4000}, by=users["nurse"], now=T0, taken_at=T0 - dt.timedelta(hours=1))

    # 2798.4 mL is a fall of 30.04% (HIGH); floatformat:0 printed "-30% from best" beside "> 30%"
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "2798.4"})

    result = re.search(r'<section id="reading-result".*?</section>', response.content.decode(), re.S).group(0)
    assert 'data-rule="vc_fall"' in result and "(-30.1% from best 4000 mL)" in result


def test_a_fall_just_short_of_50_percent_never_reads_as_50(browser, users, workup, broker):
    reading_record(workup=workup, data={"fvc_ml": 4000}, by=users["nurse"], now=T0, taken_at=T0 - dt.timedelta(hours=1))

    # 2001.6 mL is a fall of 49.96%: HIGH, not the CRIT of "≥ 50%"; rounded down it read "-50.0"
    response = browser("nurse").post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "2001.6"})

    result = re.search(r'<section id="reading-result".*?</section>', response.content.decode(), re.S).group(0)
    assert Alert.objects.get(workup=workup, rule="vc_fall").severity == "HIGH"
    assert "(-49.9% from best 4000 mL)" in result and "fall 49.9% (&gt; 30%)" in result
    assert RespiratoryReading.objects.get(fvc_ml=Decimal("2001.6")).fvc_change_from_best_percent == Decimal("-49.96")


def test_the_handover_shows_a_nif_just_weaker_than_minus_30_as_weaker(browser, users, workup, broker):
    reading_record(workup=workup, data={"nif_cm_h2o": Decimal("-29.6")}, by=users["nurse"], now=T0, taken_at=T0)

    handover = browser("nurse").get("/wards/4N/handover/").content.decode()

    # nif_weak (> −30) fired: floatformat:0 printed "-30 cmH₂O", which is not weaker than −30
    assert "-29.6 cmH₂O" in handover and "-30 cmH₂O" not in handover
