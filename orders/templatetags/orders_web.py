"""Number formats of the compliance page (the same text as the pure functions give)."""

from django import template

from orders.compliance import hours_text, percent_text

register = template.Library()

register.filter("percent", percent_text)
register.filter("hours", hours_text)
