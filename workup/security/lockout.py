"""Login lockout (django-axes): the web login, the admin login and POST /api/v1/auth/token/ all go
through django.contrib.auth.authenticate(), where axes counts failures per username *and* client
address. After AXES_FAILURE_LIMIT failures that pair is locked for AXES_COOLOFF_TIME; a success
resets the count. Per username alone would let anyone lock a colleague out; per address alone
would lock a whole ward behind one NAT address (the same reasoning as the token throttle)."""

from datetime import datetime, timedelta

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str:
    """The client address exactly as the token throttle sees it: the socket address, or the
    address API_NUM_PROXIES reverse proxies put in X-Forwarded-For (never a header any client
    could forge to get a fresh count)."""
    return BaseThrottle().get_ident(request)


def locked_until(*, username: str | None, ip_address: str) -> datetime:
    """When the lock on this username and address ends (the last counted failure + cool-off)."""
    cool_off = get_cool_off() or timedelta(0)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off


def lockout_message(*, until: datetime) -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    local = timezone.localtime(until).strftime("%H:%M")
    return (
        f"Too many failed log-ins for this username from this address: log-in is locked for {minutes} "
        f"minutes (until {local}). Ask an admin to unlock it sooner."
    )


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON for the API, the lockout page for the web and admin logins.
    429 with Retry-After, never the reason the password was wrong."""
    until = locked_until(username=get_client_username(request, credentials), ip_address=client_ip(request))
    message = lockout_message(until=until)
    retry_after = max(1, int((until - timezone.now()).total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        response = render(
            request, "registration/locked_out.html", {"message": message}, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    response["Retry-After"] = str(retry_after)
    return response
