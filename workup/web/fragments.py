"""What the web views share: the role check, safe "next" targets, and htmx fragments that are
never shown as a page of their own."""

import functools

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from workup.api.permissions import Operation, user_may


def require(user, operation: Operation) -> None:
    if not user_may(user=user, operation=operation):
        raise PermissionDenied(f"Your role may not {operation}.")


def next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def fragment(*, page: str):
    """A view answering htmx with part of a page. A browser navigating to it as a page of its own
    (a bookmark, a login's "next" from an old screen: ``Sec-Fetch-Mode: navigate``) is sent to the
    whole page instead of a bare fragment."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.headers.get("Sec-Fetch-Mode") == "navigate" and request.headers.get("HX-Request") != "true":
                return redirect(page)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
