"""One "now" per request, so that a filter (?overdue=true) and the fields it shows (is_overdue,
minutes_overdue) can never disagree about an order that falls due mid-request."""

from datetime import datetime

from django.utils import timezone


def request_now(request) -> datetime:
    if not hasattr(request, "_workup_now"):
        request._workup_now = timezone.now()
    return request._workup_now
