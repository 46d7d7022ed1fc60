"""Redis stops while nurses log readings that raise CRIT alerts: the API keeps answering 201,
nothing is lost, and every notification is delivered once Redis is back."""

import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import DeliveryAttempt, Notification
from notifications.services.audit import escalation_audit
from tests.factories import UserFactory, WardFactory, open_workup
from tests.support.live import app_publishing_to
from tests.support.services import RedisServer, wait_until
from workup.models import Alert, AlertGroup
from workup.roles import Role

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    with app_publishing_to(server.url):
        yield server
    server.stop()


def test_readings_during_a_broker_outage_are_answered_and_their_pages_delivered_after(
    own_redis, start_worker, settings
):
    settings.ESCALATION_GRACE_SECONDS = 1
    ward = WardFactory(code="OUT")
    physician = UserFactory(role=Role.PHYSICIAN, wards=[ward])
    UserFactory(role=Role.NEUROLOGIST, wards=[ward])
    nurse = UserFactory(role=Role.NURSE, wards=[ward])
    workups = [open_workup(ward=ward, opened_by=physician) for _ in range(3)]
    client = APIClient()
    client.force_authenticate(nurse)
    start_worker(broker_url=own_redis.url)

    # when Redis goes away and nurses log critically low vital capacities
    own_redis.stop()
    for workup in workups:
        started = time.monotonic()
        response = client.post(f"/api/v1/workups/{workup.pk}/readings/", {"fvc_ml": 900}, format="json")
        # then the bedside still gets its answer, promptly: publishing gives up, the outbox keeps it
        assert response.status_code == 201, response.content
        assert time.monotonic() - started < 10

    alerts = Alert.objects.filter(workup__in=workups, severity="CRIT")
    assert alerts.values("workup").distinct().count() == 3
    # one alert group per patient, paged at level 0 of the CRIT policy: the physician and the neurologist
    groups = AlertGroup.objects.filter(workup__in=workups, severity="CRIT")
    assert groups.count() == 3
    pages = Notification.objects.filter(escalation__alert_group__in=groups)
    assert pages.count() >= 6
    # in-app pages are delivered by being written: in the inbox at once, no broker needed; the
    # email and webhook pages wait in the outbox
    assert set(pages.filter(channel="in_app").values_list("status", flat=True)) == {"sent"}
    assert not pages.exclude(channel="in_app").filter(status="sent").exists()

    # when Redis is back (same address), the worker reconnects and the auditor re-sends
    own_redis.start()

    def all_delivered() -> bool:
        escalation_audit(now=timezone.now())  # what beat does every 30 s
        return not pages.exclude(status="sent").exists()

    wait_until(all_delivered, timeout_s=120, interval_s=0.5, what="every page delivered after the outage")
    delivered = DeliveryAttempt.objects.filter(notification__in=pages, outcome="delivered")
    assert delivered.count() == pages.count()  # each exactly once
