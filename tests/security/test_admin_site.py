"""Issue 11 item 6: the admin role gets the Django admin it was promised (wards and their webhooks,
staff, escalation policies, token revocation, lockout resets), and clinical records are read-only
in the admin for everyone, superusers included, with adding and deleting off."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory

from tests.factories import UserFactory, WardFactory, open_workup
from workup.models import User
from workup.roles import Role

pytestmark = pytest.mark.django_db

# Clinical records: never changed in the admin (every change goes through the audited services).
CLINICAL = {
    "workup.patient",
    "workup.workup",
    "workup.respiratoryreading",
    "workup.neuroassessment",
    "workup.vitalsentry",
    "workup.alert",
    "workup.alertgroup",
    "workup.auditevent",
    "orders.order",
    "notifications.escalation",
    "notifications.escalationlogentry",
    "notifications.notification",
    "notifications.deliveryattempt",
}
# Everything else the admin shows, and what the admin role may do there.
MANAGED = {
    "workup.ward": {"add", "change", "view"},
    "workup.user": {"add", "change", "view"},
    "workup.pathwaytemplate": {"view"},
    "auth.group": {"view"},
    "notifications.escalationpolicy": {"change", "view"},
    "authtoken.tokenproxy": {"view", "delete"},
    "axes.accessattempt": {"view", "delete"},
    "axes.accesslog": {"view"},
    "axes.accessfailurelog": {"view"},
}


def label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


@pytest.fixture
def it(db):
    return UserFactory(username="it", role=Role.ADMIN)


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@h.test", "root-pw-long-enough")


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_model_in_the_admin_is_either_clinical_or_managed():
    # A new model registered in the admin must be placed in one of the two lists.
    registered = {label(model) for model in admin.site._registry}
    assert registered == CLINICAL | set(MANAGED)


@pytest.mark.parametrize("model_label", sorted(CLINICAL))
def test_clinical_records_are_read_only_even_for_a_superuser(root, it, model_label):
    model = apps.get_model(model_label)
    model_admin = admin.site._registry[model]
    for user in (root, it):
        request = request_as(user)
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_a_superuser_cannot_change_a_patient_or_workup_over_http(root, ward, physician):
    workup = open_workup(ward=ward, opened_by=physician)
    client = Client()
    client.force_login(root)
    patient = workup.patient
    assert client.get(f"/admin/workup/patient/{patient.pk}/change/").status_code == 200  # shown, read-only
    response = client.post(f"/admin/workup/patient/{patient.pk}/change/", {"name": "Someone Else", "mrn": "X"})
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.name != "Someone Else"
    assert client.get("/admin/workup/patient/add/").status_code == 403
    assert client.post(f"/admin/orders/order/{workup.orders.first().pk}/delete/", {"post": "yes"}).status_code == 403
    assert workup.orders.count() > 0


@pytest.mark.parametrize(("model_label", "actions"), sorted(MANAGED.items()))
def test_the_admin_role_has_exactly_the_promised_permissions(it, model_label, actions):
    model = apps.get_model(model_label)
    model_admin = admin.site._registry[model]
    request = request_as(it)
    assert model_admin.has_view_permission(request) == ("view" in actions)
    assert model_admin.has_add_permission(request) == ("add" in actions)
    assert model_admin.has_change_permission(request) == ("change" in actions)
    assert model_admin.has_delete_permission(request) == ("delete" in actions)


def test_the_admin_role_comes_from_the_group_not_from_superuser(it):
    assert not it.is_superuser and it.is_staff
    assert Group.objects.get(name="admin").permissions.filter(codename="change_ward").exists()
    nurse_group = Group.objects.get(name=Role.NURSE)
    assert not nurse_group.permissions.exists()


def test_an_admin_edits_a_wards_webhook_and_escalation_policies_in_the_admin(it):
    ward = WardFactory(code="7E")
    client = Client()
    client.force_login(it)
    page = client.get(f"/admin/workup/ward/{ward.pk}/change/")
    assert page.status_code == 200 and "webhook_url" in page.content.decode()
    assert client.get("/admin/notifications/escalationpolicy/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_an_admin_adds_staff_with_a_role_and_a_ward(it, ward):
    client = Client()
    client.force_login(it)
    response = client.post(
        "/admin/workup/user/add/",
        {
            "username": "newnurse",
            "password1": "Long-enough-pw-93",
            "password2": "Long-enough-pw-93",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert User.objects.filter(username="newnurse").exists()


def test_an_admin_role_account_cannot_raise_itself_or_change_a_superuser(it, root):
    client = Client()
    client.force_login(it)
    page = client.get(f"/admin/workup/user/{it.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert client.post(f"/admin/workup/user/{root.pk}/password/", {}).status_code == 403


def test_a_ward_nurse_cannot_use_the_admin(nurse):
    client = Client()
    client.force_login(nurse)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_create_staff_makes_admins_staff_and_nobody_else(db, ward):
    from django.core.management import call_command

    call_command("create_staff", "boss", "--role", "admin", "--password", "Long-enough-pw-93")
    call_command("create_staff", "carer", "--role", "nurse", "--ward", ward.code, "--password", "Long-enough-pw-93")
    assert User.objects.get(username="boss").is_staff
    assert not User.objects.get(username="carer").is_staff
