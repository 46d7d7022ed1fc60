"""The resp_check cadence comes from the workup's pathway version (spec preamble: every window is
the default of a versioned template): a tight interval beside the routine recurrence.

The shipped v2 file now states the tight interval its workups have always run with (120 min, the
default that was hard-coded in workup.clinical.cadence); its stored resp_check row is given the
same value, so load_pathway still finds v2 unchanged and nothing a v2 workup does changes. v1 is
frozen (0002) and every other version keeps null: the default tight interval (120 min, or its own
routine interval if that is shorter). A local version's own resp_check recurrence_interval_minutes
is now followed (it was ignored: the bug this fixes).
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from workup.pathway_files import GBS_V2_FILE, read_pathway_file

    PathwayTemplate = apps.get_model("workup", "PathwayTemplate")
    OrderTemplate = apps.get_model("workup", "OrderTemplate")
    definition = read_pathway_file(GBS_V2_FILE)
    pathway = PathwayTemplate.objects.filter(
        key=definition.key, version=definition.version, source_file=GBS_V2_FILE.name
    ).first()
    if pathway is None:
        return
    for order in definition.orders:
        if order.tight_interval_minutes is not None:
            OrderTemplate.objects.filter(pathway=pathway, key=order.key, tight_interval_minutes=None).update(
                tight_interval_minutes=order.tight_interval_minutes
            )


class Migration(migrations.Migration):
    dependencies = [("workup", "0017_admin_views_alert_groups")]

    operations = [
        migrations.AddField(
            model_name="ordertemplate",
            name="tight_interval_minutes",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
