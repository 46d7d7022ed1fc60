"""The inbox page of the ward web app: a person's in-app notifications grouped per patient, newest
first, titles in words ("CRIT · 4N bed 7 · vital capacity below 20 mL/kg"). Opening it marks what
it shows as read; it can be filtered to the unread ones or one severity."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from notifications.models import UNREAD
from notifications.selectors import inbox_for
from notifications.services.inbox import (
    notification_mark_read,
    notifications_mark_all_read,
    notifications_mark_shown_read,
)
from workup.api.permissions import Operation
from workup.web.fragments import require

INBOX_PAGE_SIZE = 100
SEVERITIES = ("CRIT", "HIGH", "MED")


def _notification_id(raw: str | None) -> int | None:
    """The form's notification id, or None when it is not a plausible row id."""
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 1 <= value <= 2**63 - 1 else None


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    # The inbox names wards, beds and what is due: only for staff with a role and a ward.
    require(request.user, Operation.READ)
    if request.method == "POST":
        now = timezone.now()
        if request.POST.get("all"):
            notifications_mark_all_read(user=request.user, now=now)
        else:
            notification_id = _notification_id(request.POST.get("notification"))
            if notification_id is None:
                return HttpResponseBadRequest("notification: a notification id (a whole number) is required.")
            notification = get_object_or_404(inbox_for(user=request.user), pk=notification_id)
            notification_mark_read(notification=notification, now=now)
        return redirect("notifications:inbox")
    unread_only = request.GET.get("show") == "unread"
    severity = request.GET.get("severity", "")
    shown = inbox_for(user=request.user).select_related("workup__ward", "workup__patient")
    if unread_only:
        shown = shown.filter(UNREAD)
    if severity in SEVERITIES:
        shown = shown.filter(severity=severity)
    notifications = list(shown[:INBOX_PAGE_SIZE])
    for notification in notifications:
        # A page whose subject was dealt with before it was read is not "new": it is shown as settled.
        notification.was_unread = notification.read_at is None and notification.settled_at is None
    # What the page showed counts as read, settled ones included (they stop piling up unread).
    notifications_mark_shown_read(
        user=request.user, ids=[n.pk for n in notifications if n.read_at is None], now=timezone.now()
    )
    # Per patient, the patient with the newest notification first; newest first within each.
    order = {}
    for n in notifications:
        order.setdefault(n.workup_id, len(order))
    by_patient = [
        {"workup": items[0].workup, "notifications": items, "new": sum(n.was_unread for n in items)}
        for _, items in (
            (key, list(group))
            for key, group in groupby(
                sorted(notifications, key=lambda n: order[n.workup_id]), key=lambda n: n.workup_id
            )
        )
    ]
    return render(
        request,
        "notifications/inbox.html",
        {
            "patients": by_patient,
            "count": len(notifications),
            "unread_only": unread_only,
            "severity": severity if severity in SEVERITIES else "",
            "severities": SEVERITIES,
        },
    )
