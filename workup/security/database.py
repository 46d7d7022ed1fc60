"""The database going away (a PostgreSQL restart or failover, a dropped connection) is answered 503
Service Unavailable with Retry-After, never a 500 with a traceback: the client and the ward know
to try again in a moment. Every write is one transaction in its service, so a connection lost
mid-request leaves nothing half-written: PostgreSQL rolls the open transaction back."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# Each service's writes are one transaction, so nothing is ever half-saved; but a request that
# lost the database after its change was committed (while reading back the answer) did save it.
MESSAGE = (
    "The database cannot be reached just now; try again in a moment. If you were saving something, "
    "check whether it was saved before sending it again: nothing is ever saved half-way."
)
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE, "code": "database_unavailable"}, status=503)
    else:
        # A page of its own that needs no database (base.html's navigation reads the inbox).
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # also when answered by handler500, outside NoStoreMiddleware
    return response


class DatabaseUnavailableMiddleware:
    """For views (API and web): a database error becomes the 503 answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the same 503 for a database error raised outside a view (a middleware reading
    the session, say); anything else is Django's plain 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable_response(request)
    return defaults.server_error(request)
