"""Create the role groups and publish the default pathway "suspected-gbs" v1 from its data file.

The v1 file is frozen (a change is a new version file), so reading it here is reproducible.
"""

from django.db import migrations
from django.utils import timezone

ROLES = ("nurse", "charge_nurse", "physician", "neurologist", "admin")


def forwards(apps, schema_editor):
    from workup.pathway_files import DEFAULT_GBS_FILE, create_pathway_rows, read_pathway_file

    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)

    PathwayTemplate = apps.get_model("workup", "PathwayTemplate")
    OrderTemplate = apps.get_model("workup", "OrderTemplate")
    definition = read_pathway_file(DEFAULT_GBS_FILE)
    if not PathwayTemplate.objects.filter(key=definition.key, version=definition.version).exists():
        create_pathway_rows(
            pathway_model=PathwayTemplate,
            order_template_model=OrderTemplate,
            definition=definition,
            source_file=DEFAULT_GBS_FILE.name,
            now=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("workup", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
