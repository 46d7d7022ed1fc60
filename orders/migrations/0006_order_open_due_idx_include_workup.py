# The overdue dashboard's counts (COUNT(*) of the overdue orders, per ward) read only due_at and
# workup_id of the open orders: with workup_id in order_open_due_idx (an INCLUDE column,
# PostgreSQL only; elsewhere the index is as before) they are an index-only scan.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_escalates_at"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="order_open_due_idx",
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "in_progress"])),
                fields=["due_at"],
                include=("workup",),
                name="order_open_due_idx",
            ),
        ),
    ]
