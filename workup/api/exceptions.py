"""The API's one mapping from domain errors (workup.errors) to HTTP answers.

- InvalidInput → 400 with its field → messages map (nested for nested input), like DRF's own.
- StaleVersion, IllegalTransition, DuplicateOpenWorkup, ReopenWindowPassed, NotYetOverdue → 409 {"detail", "code", ...}.
- PathwayNotAvailable → 503: the server is not set up (no published pathway), not the caller's fault.
- Any other DomainError → 400 {"detail", "code"}.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE → 413 {"detail"}.

A view may add to a 409 body by defining ``conflict_details(error) -> dict``: the order views put
the current order under "order", so that a client can show what changed and retry.
"""

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from workup.api.parsers import RequestTooLarge
from workup.errors import (
    DomainError,
    DuplicateOpenWorkup,
    IdempotencyKeyReused,
    IdempotentRequestInProgress,
    IllegalTransition,
    InvalidInput,
    NotYetOverdue,
    PathwayNotAvailable,
    ReopenWindowPassed,
    StaleVersion,
)


def _domain_error_body(error: DomainError) -> tuple[int, dict]:
    if isinstance(error, InvalidInput):
        return status.HTTP_400_BAD_REQUEST, error.errors
    if isinstance(error, StaleVersion):
        return status.HTTP_409_CONFLICT, {
            "detail": str(error),
            "code": "stale_version",
            "your_version": error.expected,
            "current_version": error.current,
        }
    if isinstance(error, IllegalTransition):
        return status.HTTP_409_CONFLICT, {
            "detail": str(error),
            "code": "illegal_transition",
            "from_status": error.from_status,
            "to_status": error.to_status,
        }
    if isinstance(error, DuplicateOpenWorkup):
        return status.HTTP_409_CONFLICT, {
            "detail": str(error),
            "code": "duplicate_open_workup",
            "workup_id": error.workup_id,
        }
    if isinstance(error, IdempotencyKeyReused):
        return status.HTTP_422_UNPROCESSABLE_ENTITY, {"detail": str(error), "code": "idempotency_key_reused"}
    if isinstance(error, IdempotentRequestInProgress):
        return status.HTTP_409_CONFLICT, {"detail": str(error), "code": "idempotent_request_in_progress"}
    if isinstance(error, ReopenWindowPassed):
        return status.HTTP_409_CONFLICT, {"detail": str(error), "code": "reopen_window_passed"}
    if isinstance(error, NotYetOverdue):
        return status.HTTP_409_CONFLICT, {"detail": str(error), "code": "not_yet_overdue"}
    if isinstance(error, PathwayNotAvailable):
        return status.HTTP_503_SERVICE_UNAVAILABLE, {"detail": str(error), "code": "pathway_not_available"}
    return status.HTTP_400_BAD_REQUEST, {"detail": str(error), "code": "domain_error"}


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django's own size check (DATA_UPLOAD_MAX_MEMORY_SIZE): JSON 413 like the rest of the API.
        exc = RequestTooLarge()
    if not isinstance(exc, DomainError):
        return drf_exception_handler(exc, context)
    status_code, body = _domain_error_body(exc)
    view = context.get("view")
    if status_code == status.HTTP_409_CONFLICT and hasattr(view, "conflict_details"):
        body = {**body, **view.conflict_details(exc)}
    set_rollback()
    return Response(body, status=status_code)
