"""Publish "suspected-gbs" v2 (spec v1.1) from its data file: what completes each order
(completed_by) and the follow-up orders of spec §7.

The data rule for running workups: a workup keeps the pathway version it started with, and v1 is
immutable, so v1 order templates keep completed_by = null. For them the defaults of spec §2 v1.1
apply by order key (orders.completion.V1_COMPLETED_BY: resp_baseline and resp_check need FVC or
NIF; autonomic needs systolic and diastolic BP and heart rate; neuro_exam needs an MRC sum score),
so a v1 respiratory check is never ticked off by an SpO2-only reading either. Follow-up orders that
v1 lacks (IVIG doses, plasma-exchange sessions, the VTE decision) are placed from the newest
published version of the same pathway (orders.selectors.order_template_for).
"""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from workup.pathway_files import GBS_V2_FILE, create_pathway_rows, read_pathway_file

    PathwayTemplate = apps.get_model("workup", "PathwayTemplate")
    OrderTemplate = apps.get_model("workup", "OrderTemplate")
    definition = read_pathway_file(GBS_V2_FILE)
    if not PathwayTemplate.objects.filter(key=definition.key, version=definition.version).exists():
        create_pathway_rows(
            pathway_model=PathwayTemplate,
            order_template_model=OrderTemplate,
            definition=definition,
            source_file=GBS_V2_FILE.name,
            now=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("workup", "0006_order_template_completed_by")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
