import django_filters

from orders.models import Order, OrderStatus
from orders.selectors import overdue_q
from workup.api.clock import request_now
from workup.api.filters import IdFilter, WardFilter


class OrderFilter(django_filters.FilterSet):
    workup = IdFilter(field_name="workup_id", help_text="Workup id.")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    # A choice rather than django-filter's BooleanFilter, which ignores values it cannot read
    # (?overdue=yes would silently list everything).
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        help_text="true: open and past due now; false: everything else.",
    )
    ward = WardFilter(field_name="workup__ward")

    class Meta:
        model = Order
        fields = ["workup", "status", "overdue", "ward"]

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_q(now=request_now(self.request))
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)


class OverdueFilter(django_filters.FilterSet):
    ward = WardFilter(field_name="workup__ward")

    class Meta:
        model = Order
        fields = ["ward"]
