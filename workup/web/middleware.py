"""Idle sign-out for shared ward workstations."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

# Sent by app.js with its /live/ polls: a screen asking "anything new?" is not a person's activity.
BACKGROUND_HEADER = "X-Workup-Background"


def is_background_request(request: HttpRequest) -> bool:
    """A poll, not something a person did: an htmx GET (the board's rows, the banner refresh) or
    app.js asking /live/."""
    return request.method == "GET" and (
        request.headers.get("HX-Request") == "true" or request.headers.get(BACKGROUND_HEADER) == "1"
    )


def _login_for_page(request: HttpRequest) -> str:
    """The login page, coming back to the page the screen shows (htmx sends its address in
    HX-Current-URL), never to the fragment that was being fetched."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    page = current.path or "/"
    if current.query:
        page += "?" + current.query
    if not page.startswith("/") or page.startswith("//"):
        page = "/"
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"


class IdleSessionMiddleware:
    """Renews the session (SESSION_COOKIE_AGE from now) on every request a person makes, so the
    session ends after that many idle minutes. Polling does not count as activity, or a screen
    left open would never be signed out. An htmx request whose session has ended is told to load
    the login page (HX-Redirect), which brings the user back to the page afterwards, instead of
    swapping the login form into a table row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and not is_background_request(request):
            session.modified = True
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and not request.user.is_authenticated
        ):
            response["HX-Redirect"] = _login_for_page(request)
            response.status_code = 204
        return response
