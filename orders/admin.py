from django.contrib import admin

from orders.models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "workup", "key", "occurrence", "status", "due_at", "priority"]
    list_filter = ["status", "category", "priority"]
    search_fields = ["key", "workup__patient__mrn"]
    list_select_related = ["workup"]
    # Status changes go through services so that they are audited and version-checked.
    readonly_fields = [
        "status",
        "version",
        "started_at",
        "started_by",
        "completed_at",
        "completed_by",
        "closed_at",
        "closed_by",
    ]
