"""The inbox page of the ward web app: a person's in-app notifications, newest first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from notifications.selectors import inbox_for
from notifications.services.inbox import notification_mark_read, notifications_mark_all_read


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        now = timezone.now()
        if request.POST.get("all"):
            notifications_mark_all_read(user=request.user, now=now)
        else:
            notification = get_object_or_404(inbox_for(user=request.user), pk=request.POST.get("notification") or 0)
            notification_mark_read(notification=notification, now=now)
        return redirect("notifications:inbox")
    notifications = list(inbox_for(user=request.user)[:100])
    return render(request, "notifications/inbox.html", {"notifications": notifications})
