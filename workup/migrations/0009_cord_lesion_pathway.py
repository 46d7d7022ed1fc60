"""Publish "suspected-cord-lesion" v1 from its data file (as 0002 publishes suspected-gbs v1)."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from workup.pathway_files import PATHWAYS_DIR, create_pathway_rows, read_pathway_file

    PathwayTemplate = apps.get_model("workup", "PathwayTemplate")
    OrderTemplate = apps.get_model("workup", "OrderTemplate")
    path = PATHWAYS_DIR / "suspected-cord-lesion-v1.yaml"
    definition = read_pathway_file(path)
    if not PathwayTemplate.objects.filter(key=definition.key, version=definition.version).exists():
        create_pathway_rows(
            pathway_model=PathwayTemplate,
            order_template_model=OrderTemplate,
            definition=definition,
            source_file=path.name,
            now=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("workup", "0008_cord_lesion_condition_one_open_workup_per_patient")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
