"""The admin role views alert groups in the Django admin like the other clinical records
(read-only there for everyone: workup.admin_readonly); see 0012_admin_role_permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.add(Permission.objects.get(content_type__app_label="workup", codename="view_alertgroup"))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.remove(*Permission.objects.filter(codename="view_alertgroup"))


class Migration(migrations.Migration):
    dependencies = [
        ("workup", "0016_close_outcome_and_assigned_nurse"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
