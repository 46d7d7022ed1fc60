import datetime as dt

import pytest

from tests.factories import UserFactory, WardFactory
from workup.roles import Role

# A fixed "now" for tests that fake time: a Tuesday morning in the hospital's zone.
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def ward(db):
    return WardFactory(code="4N", name="Neurology 4 North")


@pytest.fixture
def other_ward(db):
    return WardFactory(code="5S", name="Stroke 5 South")


@pytest.fixture
def physician(ward):
    return UserFactory(username="physician", role=Role.PHYSICIAN, wards=[ward])


@pytest.fixture
def nurse(ward):
    return UserFactory(username="nurse", role=Role.NURSE, wards=[ward])
