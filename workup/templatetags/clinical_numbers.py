"""How the ward's pages show FVC figures: rounded down (workup.clinical.body.round_down_for_display),
so that no figure reads on the safe side of a line the exact value is below."""

from decimal import Decimal

from django import template

from workup.clinical.body import round_down_for_display

register = template.Library()


@register.filter
def rounded_down(value, places: int = 1) -> str:
    """``{{ reading.fvc_ml_per_kg_ibw|rounded_down:1 }}``; "" for no value."""
    if value is None or value == "":
        return ""
    return str(round_down_for_display(Decimal(str(value)), int(places)))
