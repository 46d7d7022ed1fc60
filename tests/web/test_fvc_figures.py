"""FVC figures as the ward sees them (spec §3: decisions use the value as entered; mL/kg of ideal
body weight with the actual-weight figure beside it): shown rounded down, so that no figure reads
on the safe side of a line the exact value is below, and the actual-weight figure beside each
ideal-weight one."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.api.conftest import client_for
from tests.factories import open_workup
from workup.clinical.body import round_down_for_display
from workup.models import Alert, RespiratoryReading

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
    assert "(15.1 mL/kg actual weight)" in result
    assert RespiratoryReading.objects.get(workup=workup).fvc_ml_per_kg_ibw == Decimal("14.99")  # not 15.00


def test_the_chart_list_and_the_handover_show_both_figures_rounded_down(browser, workup):
    nurse = browser("nurse")
    nurse.post(f"/workups/{workup.pk}/readings/new/", {"fvc_ml": "999.6"})  # < 1.0 L: vc_critical

    handover = nurse.get("/wards/4N/handover/").content.decode()
    workup_page = nurse.get(f"/workups/{workup.pk}/").content.decode()

    # 999.6 mL is below 1.0 L: "1000 mL" would contradict the alert beside it.
    assert "999 mL = 14.1 mL/kg IBW (14.2 mL/kg actual)" in handover and "1000 mL" not in handover
    assert "(14.1 mL/kg IBW, 14.2 mL/kg actual)" in workup_page


def test_the_api_rounds_the_figures_down_too(users, workup):
    nurse = client_for(users["nurse"])
    nurse.post(f"/api/v1/workups/{workup.pk}/readings/", {"fvc_ml": JUST_BELOW_15_ML_PER_KG}, format="json")

    [reading] = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]

    assert (reading["fvc_ml_per_kg_ibw"], reading["fvc_ml_per_kg_actual"]) == (14.9, 15.1)


@given(
    value=st.decimals(min_value=Decimal("-100"), max_value=Decimal("10000"), places=4),
    line=st.decimals(min_value=Decimal("-100"), max_value=Decimal("10000"), places=1),
    places=st.sampled_from([0, 1]),
)
def test_a_figure_rounded_down_never_reads_at_or_above_a_line_the_value_is_below(value, line, places):
    """Every FVC rule is "below a line" with lines of at most one decimal (15, 20 mL/kg; 1000,
    1500 mL; a fall beyond 30 or 50 %, a change below −30 %)."""
    line = line.quantize(Decimal(1).scaleb(-places)) if places == 0 else line
    shown = round_down_for_display(value, places)
    assert (shown < line) is (value < line)
