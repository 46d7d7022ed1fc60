from django.contrib import admin

from orders.models import Order
from workup.admin_readonly import ReadOnlyAdmin


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "workup", "key", "occurrence", "status", "due_at", "priority"]
    list_filter = ["status", "category", "priority"]
    search_fields = ["key", "workup__patient__mrn"]
    list_select_related = ["workup"]
