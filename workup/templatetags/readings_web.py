"""A reading's figures on the pages, as the API and the rule messages give them
(workup.clinical.respiratory.reading_figure_text): rounded never across a threshold of the rule
that reads the figure, so no number sits on the wrong side of an alert that fired (or did not)."""

from django import template

from workup.clinical.respiratory import reading_figure_text

register = template.Library()


@register.filter
def figure(value, field: str) -> str:
    """``{{ r.fvc_ml_per_kg_ibw|figure:"fvc_ml_per_kg_ibw" }}`` → "14.9" (one decimal; whole
    numbers without: "1300")."""
    return reading_figure_text(field, value, places=1)
