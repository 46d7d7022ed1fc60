"""Demo data for `make run`: wards, one user per role, and suspected-GBS workups at several stages.

Idempotent: existing wards, users and demo patients are left as they are. New passwords are
random, printed once and kept in var/demo-logins.txt (readable by the owner only) so that
`make run` can show them again. Demo data is for demonstration machines only.
"""

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from orders.services import order_start
from workup.models import Patient, User, Ward
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.roles import Role
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close
from workup.services.triage import workup_open

WARDS = [("4N", "Neurology 4 North"), ("5S", "Stroke 5 South")]
USERS = [
    ("nurse", Role.NURSE, ["4N"]),
    ("charge", Role.CHARGE_NURSE, ["4N"]),
    ("physician", Role.PHYSICIAN, ["4N", "5S"]),
    ("neurologist", Role.NEUROLOGIST, ["4N", "5S"]),
    ("admin", Role.ADMIN, []),
]


def _logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = "Create demo wards, users (one per role) and workups at different stages. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        wards = {code: Ward.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in WARDS}
        new_logins = self._users(wards)
        self._workups(wards)
        if new_logins:
            path = _logins_file()
            with path.open("a", encoding="utf-8") as handle:
                handle.writelines(f"{username:12} {password:24} ({role})\n" for username, password, role in new_logins)
            path.chmod(0o600)
            self.stdout.write("Demo logins (shown once; also kept in var/demo-logins.txt):")
            for username, password, role in new_logins:
                self.stdout.write(f"  {username:12} {password:24} ({role})")
        else:
            self.stdout.write("Demo users already exist; their logins are in var/demo-logins.txt.")

    def _users(self, wards: dict[str, Ward]) -> list[tuple[str, str, str]]:
        created = []
        for username, role, ward_codes in USERS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(
                username=username, password=password, is_staff=role == Role.ADMIN, first_name=role.label
            )
            user.groups.add(Group.objects.get(name=role))
            user.wards.set(wards[code] for code in ward_codes)
            created.append((username, password, role.value))
        return created

    def _workups(self, wards: dict[str, Ward]) -> None:
        now = timezone.now()
        physician = User.objects.get(username="physician")
        nurse = User.objects.get(username="nurse")
        today = timezone.localdate(now)

        def open_demo(mrn, name, dob, sex, height_cm, weight_kg, ward, bed, hours_ago, **findings):
            if Patient.objects.filter(mrn=mrn).exists():
                return None
            return workup_open(
                patient_data={
                    "mrn": mrn,
                    "name": name,
                    "date_of_birth": dob,
                    "sex": sex,
                    "height_cm": height_cm,
                    "weight_kg": weight_kg,
                },
                ward=wards[ward],
                triage={"bed": bed, "onset_of_weakness_on": today - dt.timedelta(days=3), **findings},
                opened_by=physician,
                now=now - dt.timedelta(hours=hours_ago),
            )

        # Just triaged: nothing overdue yet.
        open_demo(
            "DEMO-0001", "Demo Patient One", dt.date(1985, 3, 2), "male", 175, 70, "4N", "12", 0.25,
            limb_weakness_pattern="ascending", paresthesia=True, reflexes="reduced", mrc_sum_score=52,
        )  # fmt: skip
        # Six hours in: breathing tests logged (now falling: a CRIT alert), first exam done, labs under
        # way, other work overdue.
        workup = open_demo(
            "DEMO-0002", "Demo Patient Two", dt.date(1958, 11, 20), "female", 162, 81, "4N", "14", 6,
            limb_weakness_pattern="ascending", facial_weakness=True, dysphagia=True, reflexes="absent",
            mrc_sum_score=38, preceding_diarrhoea=True, able_to_walk_unaided=False,
        )  # fmt: skip
        if workup is not None:
            orders = {o.key: o for o in workup.orders.all()}
            # Baseline breathing tests, then a falling vital capacity and a weak NIF: CRIT alert.
            reading_record(
                workup=workup,
                data={"fvc_ml": 2100, "nif_cm_h2o": -38, "single_breath_count": 22},
                by=nurse,
                now=now - dt.timedelta(hours=5, minutes=40),
            )
            reading_record(
                workup=workup,
                data={"fvc_ml": 1300, "nif_cm_h2o": -26, "single_breath_count": 17},
                by=nurse,
                now=now - dt.timedelta(minutes=50),
            )
            assessment_record(
                workup=workup,
                data={"mrc_sum_score": 38, "reflexes": "absent", "facial_weakness": True, "dysphagia": True},
                by=physician,
                now=now - dt.timedelta(hours=5),
            )
            order_start(order=orders["labs"], by=nurse, now=now - dt.timedelta(hours=3))
            # The charge nurse has given this patient to the nurse: her nursing pages go to her.
            workup_assign_nurse(
                workup=workup, nurse=nurse, by=User.objects.get(username="charge"), now=now - dt.timedelta(hours=5)
            )
        # Cord red flag (sensory level): MRI is STAT and overdue.
        open_demo(
            "DEMO-0003", "Demo Patient Three", dt.date(1972, 6, 9), "male", 181, 92, "5S", "3", 5,
            limb_weakness_pattern="generalised", sensory_level=True, reflexes="reduced", mrc_sum_score=46,
        )  # fmt: skip
        # A finished workup: closed after another diagnosis was found.
        workup = open_demo(
            "DEMO-0004", "Demo Patient Four", dt.date(1990, 1, 15), "female", 168, 60, "5S", "7", 30,
            limb_weakness_pattern="distal", paresthesia=True, reflexes="normal", mrc_sum_score=58,
        )  # fmt: skip
        if workup is not None:
            workup_close(workup=workup, by=physician, outcome="alternative_diagnosis", note="B12 deficiency neuropathy")
