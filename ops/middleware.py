"""A request id on every log line of a request: taken from X-Request-ID when the proxy sends a
sane one, otherwise made here; echoed in the response so a user's report can be found in logs."""

import re
import uuid

import structlog
from django.core.signals import request_finished
from django.dispatch import receiver

REQUEST_ID_HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


# Unbound only when the response is closed: Django logs a 4xx/5xx ("Not Found: ...") after the
# middleware chain has returned, and that line must carry the id too.
@receiver(request_finished, dispatch_uid="ops-unbind-request-id")
def _unbind_request_id(**kwargs) -> None:
    structlog.contextvars.unbind_contextvars("request_id")
