"""Staff roles. Each role is a Django group of the same name (created by a migration)."""

from django.db import models


class Role(models.TextChoices):
    NURSE = "nurse", "Nurse"  # ticks off orders, logs bedside readings
    CHARGE_NURSE = "charge_nurse", "Charge nurse"  # nurse-in-charge of a ward; first escalation step
    PHYSICIAN = "physician", "Physician"  # ward physician: triage, acknowledges alerts
    NEUROLOGIST = "neurologist", "Neurologist"  # on-call neurologist: top of the escalation chain
    ADMIN = "admin", "Admin"  # sees every ward, the overdue dashboard, provisions staff


# Roles whose members see every ward; everyone else sees only the wards they belong to.
WARD_SPANNING_ROLES = frozenset({Role.ADMIN})
