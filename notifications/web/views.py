"""The inbox page of the ward web app: a person's in-app notifications, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from notifications.selectors import inbox_for
from notifications.services.inbox import notification_mark_read, notifications_mark_all_read
from workup.api.permissions import Operation, user_may


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
    if not user_may(user=request.user, operation=Operation.READ):
        raise PermissionDenied("Your account has no role or no ward yet; ask an admin.")
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
    notifications = list(inbox_for(user=request.user)[:100])
    return render(request, "notifications/inbox.html", {"notifications": notifications})
