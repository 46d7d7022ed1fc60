"""Bedside monitoring: respiratory readings, neuro assessments, vitals, the alerts their rules
raise, and the selectors and API that read them. The rules themselves are pure functions in
workup.clinical; the pathway of orders is in orders."""
