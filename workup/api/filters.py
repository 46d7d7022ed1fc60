"""Query filters. Unknown values are 400 with the filter's name, never silently ignored."""

import django_filters
from django import forms

from workup.models import Ward, Workup, WorkupStatus
from workup.selectors import wards_visible_to, workup_search_q


def visible_wards(request):
    """Choices for ?ward=: only the caller's wards, so another ward's code is 400 like an unknown one."""
    if request is None or not request.user.is_authenticated:
        return Ward.objects.none()
    return wards_visible_to(user=request.user)


class WardFilter(django_filters.ModelChoiceFilter):
    """?ward=<code>, one of the caller's wards."""

    def __init__(self, field_name: str = "ward", **kwargs):
        kwargs.setdefault("help_text", "Ward code (one of your wards).")
        super().__init__(field_name=field_name, to_field_name="code", queryset=visible_wards, **kwargs)


class IdFilter(django_filters.Filter):
    """A whole-number id (django-filter's NumberFilter would accept 1.5 and read it as 1), within
    the range of a BigAutoField: a larger number would overflow the database driver (500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class WorkupFilter(django_filters.FilterSet):
    ward = WardFilter()
    status = django_filters.ChoiceFilter(choices=WorkupStatus.choices)
    mrn = django_filters.CharFilter(field_name="patient__mrn", max_length=32, help_text="Patient MRN (exact).")
    search = django_filters.CharFilter(
        method="filter_search", max_length=64, help_text="Part of the MRN or name, or the bed (e.g. the closed list)."
    )

    class Meta:
        model = Workup
        fields = ["ward", "status", "mrn", "search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(workup_search_q(value))
