"""Give every existing workup its recurring series (spec §2 v1.1) and link the occurrences.

A series is keyed by its recurring order (resp_baseline opens the resp_check series). Where an
earlier version of the code let a cancelled or skipped occurrence end a series, the open workup
is left with an active series and no open occurrence: the series audit (beat, every minute)
places the missing occurrence and audits it, through the services, so that escalation starts.
Should a series have more than one open occurrence, only the earliest due is linked.
"""

from django.db import migrations

OPEN = ("pending", "in_progress")
TITLES = {
    "resp_check": "respiratory checks",
    "neuro_exam": "neuro exams",
    "autonomic": "autonomic monitoring",
    "swallow_screen": "swallow screens",
}


def forwards(apps, schema_editor):
    Workup = apps.get_model("workup", "Workup")
    OrderTemplate = apps.get_model("workup", "OrderTemplate")
    Order = apps.get_model("orders", "Order")
    OrderSeries = apps.get_model("orders", "OrderSeries")
    series_of_key_by_pathway = {}
    for template in OrderTemplate.objects.exclude(recurrence_interval_minutes=None):
        series_of_key_by_pathway.setdefault(template.pathway_id, {})[template.key] = template.recurs_as or template.key
    for workup in Workup.objects.all().iterator():
        series_of_key = series_of_key_by_pathway.get(workup.pathway_id, {})
        for key in sorted(set(series_of_key.values())):
            series, _ = OrderSeries.objects.get_or_create(
                workup=workup, key=key, defaults={"title": TITLES.get(key, key.replace("_", " "))}
            )
            member_keys = [k for k, s in series_of_key.items() if s == key]
            occurrences = Order.objects.filter(workup=workup, key__in=member_keys, series__isnull=True)
            occurrences.exclude(status__in=OPEN).update(series=series)
            first_open = occurrences.filter(status__in=OPEN).order_by("due_at", "id").first()
            if first_open is not None:
                Order.objects.filter(pk=first_open.pk).update(series=series)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_series_completion_details"),
        ("workup", "0007_publish_gbs_v2"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
