"""Run in a process of its own against another database (the restart test's throw-away
PostgreSQL): opens a workup on ward PGR and records a critically low vital capacity, which raises
a CRIT alert and pages the ward's physician and neurologist. Prints the workup id.

    DATABASE_URL=... python -m tests.support.seed_crit_reading MRN
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from tests.factories import UserFactory, WardFactory, open_workup
    from workup.monitoring.services.readings import reading_record
    from workup.roles import Role

    ward = WardFactory(code="PGR")
    physician = UserFactory(username="pgr-physician", role=Role.PHYSICIAN, wards=[ward])
    UserFactory(username="pgr-neurologist", role=Role.NEUROLOGIST, wards=[ward])
    nurse = UserFactory(username="pgr-nurse", role=Role.NURSE, wards=[ward])
    workup = open_workup(ward=ward, opened_by=physician, patient={"mrn": sys.argv[1]})
    reading_record(workup=workup, data={"fvc_ml": 900}, by=nurse)
    print(workup.pk)


if __name__ == "__main__":
    main()
