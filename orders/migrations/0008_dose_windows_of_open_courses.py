"""Doses and sessions of a course already under way get their own due window (orders 0007): each
one after the first opens its window when the one before was due, and its escalation, if not
ended, climbs over that window from its next level on. The intervals are those of spec §7 v1.1
when this migration was written (IVIG daily, plasma exchange every 48 h)."""

from datetime import timedelta

from django.db import migrations

INTERVALS = {"ivig_dose": (timedelta(hours=24), "day"), "plex_session": (timedelta(hours=48), "session")}
OPEN = ["pending", "in_progress"]


def open_course_windows(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Escalation = apps.get_model("notifications", "Escalation")
    for key, (interval, number_field) in INTERVALS.items():
        for order in Order.objects.filter(key=key, status__in=OPEN, window_opens_at__isnull=True):
            if int(order.details.get(number_field) or 1) <= 1:
                continue
            order.window_opens_at = order.due_at - interval
            order.save(update_fields=["window_opens_at"])
            window_minutes = int((order.due_at - order.window_opens_at).total_seconds() // 60)
            Escalation.objects.filter(order_id=order.pk).exclude(status="ended").update(window_minutes=window_minutes)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_order_window_opens_at"),
        ("notifications", "0006_escalations_per_alert_group"),
    ]

    operations = [migrations.RunPython(open_course_windows, migrations.RunPython.noop)]
