"""Target 2: triage through the service (workup.services.triage.workup_open) on PostgreSQL:
workups opened per second, one after another in one process, each with its pathway's orders,
their escalations (timers published to the Redis broker on commit), the alerts its findings
raise and every audit row. Validation included: the input is the same dict a form gives."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from bench.harness import BenchContext, Measurement, target_main

TITLE = "2. Triage"
ORDER = 20
GOAL = 50.0  # workups/s


def _patient(i: int) -> dict:
    return {
        "mrn": f"T{i:08d}",
        "name": f"Triage Bench {i}",
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=i % 15000),
        "sex": "female" if i % 2 else "male",
        "height_cm": Decimal("172.0"),
        "weight_kg": Decimal("74.0"),
    }


def _triage(i: int) -> dict:
    # A mix as a ward sees it: most walk, some do not (a VTE decision order), some are bulbar.
    return {
        "bed": str(i % 30 + 1),
        "onset_of_weakness_on": dt.date.today() - dt.timedelta(days=2),
        "reflexes": "absent",
        "facial_weakness": i % 3 == 0,
        "able_to_walk_unaided": i % 4 != 0,
        "dysphagia": i % 10 == 0,
    }


def run(ctx: BenchContext) -> list[Measurement]:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from workup.models import AuditEvent, Ward
    from workup.roles import Role
    from workup.services.triage import workup_open

    call_command("load_pathway", verbosity=0)
    from django.contrib.auth.models import Group

    from workup.models import User

    ward = Ward.objects.create(code="TRI", name="Triage bench ward")
    physician = User.objects.create(username="bench-physician")
    physician.groups.add(Group.objects.get(name=Role.PHYSICIAN))
    physician.wards.add(ward)

    batches, batch = (3, 20) if ctx.quick else (8, 50)
    counter = iter(range(10**7))

    def one() -> None:
        i = next(counter)
        workup_open(patient_data=_patient(i), ward=ward, triage=_triage(i), opened_by=physician)

    for _ in range(10):  # warm-up
        one()
    with CaptureQueriesContext(connection) as queries:
        one()
    per_triage_sql = len(queries)
    audit_before = AuditEvent.objects.count()
    rates = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(batch):
            one()
        rates.append(batch / (time.perf_counter() - started))
        reset_queries()
    audit_per_triage = (AuditEvent.objects.count() - audit_before) / (batches * batch)
    rates.sort()
    median = rates[len(rates) // 2]
    return [
        Measurement(
            target=TITLE,
            name=f"workups opened per second through workup_open ({per_triage_sql} SQL statements per triage)",
            unit="workups/s",
            samples=rates,
            goal=f">= {GOAL:.0f} workups/s",
            met=median >= GOAL,
            data_size=f"{batches} batches of {batch} triages, one process, PostgreSQL",
            notes=f"{audit_per_triage:.1f} audit rows per triage (every one kept)",
        )
    ]


if __name__ == "__main__":
    target_main(TITLE, run)
