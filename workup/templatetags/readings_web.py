"""A reading's figures on the pages, as the API and the rule messages give them
(workup.clinical.respiratory.reading_figure_text): rounded never across a threshold of the rule
that reads the figure — the workup's own pathway version's, when the view passes its rules — so no
number sits on the wrong side of an alert that fired (or did not)."""

from django import template

from workup.clinical.respiratory import reading_figure_text

register = template.Library()


@register.simple_tag
def figure(value, field: str, rules=None) -> str:
    """``{% figure r.fvc_ml_per_kg_ibw "fvc_ml_per_kg_ibw" respiratory_rules %}`` → "14.9" (one
    decimal; whole numbers without: "1300"). ``rules``: the workup's respiratory rule table
    (pathway_cache.rules_for(...).respiratory); none: the cited defaults."""
    return reading_figure_text(field, value, places=1, rules=rules or None)
