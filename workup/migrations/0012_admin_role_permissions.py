"""Give the admin role the Django admin permissions the README promises: wards (with their
webhooks), staff, escalation policies, API token revocation and login-lockout resets; and a view
(never change) permission on the clinical records, which the admin shows read-only to everyone.

Permissions are normally made after all migrations (post_migrate); they are made here first so
that a fresh database gets the grant too. The list is frozen here: a later change is a new
migration."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN_ROLE_PERMISSIONS = {
    # What hospital IT manages.
    "workup": ["add_ward", "change_ward", "view_ward", "add_user", "change_user", "view_user", "view_pathwaytemplate"],
    "auth": ["view_group"],
    "notifications": [
        "change_escalationpolicy",
        "view_escalationpolicy",
        "add_escalationlevel",
        "change_escalationlevel",
        "delete_escalationlevel",
        "view_escalationlevel",
    ],
    "authtoken": ["view_tokenproxy", "delete_tokenproxy"],
    "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog", "view_accessfailurelog"],
}
# Clinical records: viewable, never changed in the admin (every change goes through the audited services).
CLINICAL_VIEW_PERMISSIONS = {
    "workup": [
        "view_patient",
        "view_workup",
        "view_alert",
        "view_auditevent",
        "view_respiratoryreading",
        "view_neuroassessment",
        "view_vitalsentry",
    ],
    "orders": ["view_order"],
    "notifications": ["view_escalation", "view_escalationlogentry", "view_notification", "view_deliveryattempt"],
}


def _make_permissions(apps) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    _make_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="admin")
    for grants in (ADMIN_ROLE_PERMISSIONS, CLINICAL_VIEW_PERMISSIONS):
        for app_label, codenames in grants.items():
            found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            missing = set(codenames) - {p.codename for p in found}
            if missing:
                raise RuntimeError(f"Permissions not found for {app_label}: {sorted(missing)}")
            admin.permissions.add(*found)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("workup", "0011_idempotency_records"),
        ("orders", "0005_order_escalates_at"),
        ("notifications", "0005_auditor_run"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("axes", "0010_accessattemptexpiration"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
