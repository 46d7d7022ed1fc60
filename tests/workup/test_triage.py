import datetime as dt

import pytest

from orders.models import OrderStatus
from tests.conftest import T0
from tests.factories import open_workup

pytestmark = pytest.mark.django_db


def test_triage_opens_every_spec_order_due_relative_to_t0(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    due = {o.key: o.due_at - T0 for o in workup.orders.all()}
    assert due == {
        "resp_baseline": dt.timedelta(minutes=30),
        "neuro_exam": dt.timedelta(hours=1),
        "autonomic": dt.timedelta(hours=1),
        "level_of_care": dt.timedelta(hours=2),
        "labs": dt.timedelta(hours=4),
        "swallow_screen": dt.timedelta(hours=4),
        "admission": dt.timedelta(hours=4),
        "mri_spine": dt.timedelta(hours=24),
        "lp": dt.timedelta(hours=24),
        "treatment_decision": dt.timedelta(hours=24),
        "ncs_emg": dt.timedelta(hours=72),
    }
    assert set(workup.orders.values_list("status", flat=True)) == {OrderStatus.PENDING}
