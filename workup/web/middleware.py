"""Idle sign-out for shared ward workstations."""

from django.http import HttpRequest, HttpResponse


def is_background_request(request: HttpRequest) -> bool:
    """An htmx GET: the board's and the banner's polling, not something a person did."""
    return request.method == "GET" and request.headers.get("HX-Request") == "true"


class IdleSessionMiddleware:
    """Renews the session (SESSION_COOKIE_AGE from now) on every request a person makes, so the
    session ends after that many idle minutes. Polling does not count as activity, or a screen
    left open would never be signed out. An htmx request whose session has ended is told to load
    the login page (HX-Redirect) instead of swapping the login form into a table row."""

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
            response["HX-Redirect"] = response["Location"]
            response.status_code = 204
        return response
