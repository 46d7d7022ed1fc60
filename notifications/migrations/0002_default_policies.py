from django.db import migrations


def forwards(apps, schema_editor):
    from notifications.default_policies import create_default_policies

    create_default_policies(
        policy_model=apps.get_model("notifications", "EscalationPolicy"),
        level_model=apps.get_model("notifications", "EscalationLevel"),
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
