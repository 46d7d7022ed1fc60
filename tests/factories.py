"""factory-boy factories for the domain. Workups are opened through the triage service so that
their orders and audit trail are exactly what production creates."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from workup.models import Patient, Sex, User, Ward
from workup.roles import Role
from workup.services.triage import workup_open


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.LazyAttribute(lambda o: f"Ward {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    """A member of staff. ``role`` names the group; ``wards`` the wards they belong to."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.ADMIN:
                self.is_staff = True
        self.save()

    @factory.post_generation
    def wards(self, create, extracted, **kwargs):
        if create and extracted:
            self.wards.set(extracted)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    name = factory.LazyAttribute(lambda o: f"Test Patient {o.mrn}")
    date_of_birth = dt.date(1970, 5, 17)
    sex = Sex.MALE
    height_cm = 175
    weight_kg = 70


def patient_data(**overrides) -> dict:
    """Valid triage patient input; every call gives a new MRN."""
    patient = PatientFactory.build(**{k: v for k, v in overrides.items() if k in ("mrn", "name")})
    data = {
        "mrn": patient.mrn,
        "name": patient.name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex,
        "height_cm": patient.height_cm,
        "weight_kg": patient.weight_kg,
    }
    return {**data, **overrides}


def triage_data(**overrides) -> dict:
    data = {"bed": "12", "onset_of_weakness_on": dt.date(2026, 11, 20), "facial_weakness": False, "reflexes": "absent"}
    return {**data, **overrides}


def open_workup(
    *,
    ward=None,
    opened_by=None,
    now=None,
    patient=None,
    triage=None,
    confirm_unusual_weight=False,
    condition="suspected_gbs",
):
    """Open a workup (suspected GBS unless ``condition`` says otherwise) through the real triage service."""
    ward = ward or WardFactory()
    opened_by = opened_by or UserFactory(role=Role.PHYSICIAN, wards=[ward])
    now = now or timezone.now()
    return workup_open(
        patient_data=patient_data(**(patient or {})),
        ward=ward,
        triage=triage_data(**(triage or {})),
        opened_by=opened_by,
        now=now,
        confirm_unusual_weight=confirm_unusual_weight,
        condition=condition,
    )
