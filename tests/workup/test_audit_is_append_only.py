import pytest

from tests.conftest import T0
from tests.factories import open_workup
from workup.models import AuditEvent
from workup.models.audit import AppendOnlyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(ward, physician):
    open_workup(ward=ward, opened_by=physician, now=T0)
    return AuditEvent.objects.first()


def test_an_audit_event_cannot_be_changed(event):
    event.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_audit_events_cannot_be_bulk_updated_or_deleted(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()
