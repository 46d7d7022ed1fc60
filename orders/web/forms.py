"""Filter forms of the dashboard pages. Wards are offered from wards_visible_to, so another
ward's code is an invalid choice (shown in place), never a way to read that ward."""

from datetime import date, timedelta

from django import forms

from orders.dashboard import LEVEL_CHOICES
from workup.models import User
from workup.models.pathway import OrderCategory
from workup.selectors import wards_visible_to

# Bounds what one compliance request may aggregate.
MAX_PERIOD_DAYS = 366
# Dates outside these cannot be turned into the period's bounds in every time zone (9999-12-31 has
# no next day, 0001-01-01 no UTC start); none of the app's data is from outside them either.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def _ward_field(user: User) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=wards_visible_to(user=user).order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="All my wards",
        label="Ward",
    )


class OverdueFilterForm(forms.Form):
    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"] = _ward_field(user)
        self.fields["category"] = forms.ChoiceField(
            choices=[("", "All categories"), *OrderCategory.choices], required=False, label="Category"
        )
        self.fields["level"] = forms.TypedChoiceField(
            choices=[("", "Any level"), *((str(value), text) for value, text in LEVEL_CHOICES)],
            coerce=int,
            empty_value=None,
            required=False,
            label="Escalation level",
        )


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ComplianceFilterForm(forms.Form):
    """ward, from, to — "from" is a Python keyword, so the date fields are added by name."""

    def __init__(self, *args, user: User, default_from: date, default_to: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"] = _ward_field(user)
        self.fields["from"] = forms.DateField(
            required=False, label="From (first day)", widget=_DateInput(), input_formats=["%Y-%m-%d"]
        )
        self.fields["to"] = forms.DateField(
            required=False, label="To (last day)", widget=_DateInput(), input_formats=["%Y-%m-%d"]
        )
        self.default_from = default_from
        self.default_to = default_to

    def clean(self):
        cleaned = super().clean()
        for name in ("from", "to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, f"Choose a day between {EARLIEST_DAY} and {LATEST_DAY}.")
        if "from" not in cleaned or "to" not in cleaned:
            return cleaned  # a field error is already shown
        date_from = cleaned["from"] or self.default_from
        date_to = cleaned["to"] or self.default_to
        if date_to < date_from:
            self.add_error("to", "The last day must not be before the first day.")
        elif date_to - date_from >= timedelta(days=MAX_PERIOD_DAYS):
            self.add_error("to", f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
        cleaned["from"], cleaned["to"] = date_from, date_to
        return cleaned
