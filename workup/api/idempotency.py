"""The ``Idempotency-Key`` request header (issue 9 §2; IETF draft "The Idempotency-Key HTTP Header
Field"): a POST sent again with the same key and the same body gets the first answer back — with
``Idempotent-Replayed: true`` — instead of being done twice; the same key with another body is 422,
and a repeat that arrives while the first is still running is 409. Keys live for
IDEMPOTENCY_TTL_HOURS. Only successful answers are kept: a request that failed can be retried."""

import functools
import json

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from workup.api.clock import request_now
from workup.services.idempotency import idempotency_claim, idempotency_complete, idempotency_fingerprint

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255

PARAMETER = OpenApiParameter(
    HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) up to 255 characters. Sending the same request again with the same "
    "key returns the first answer (header Idempotent-Replayed: true) instead of doing it twice.",
)
RESPONSES = {
    409: OpenApiResponse(description="A request with this Idempotency-Key is still being handled; retry shortly."),
    422: OpenApiResponse(description="This Idempotency-Key was used for a different request."),
}


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationError({HEADER: [f"Give 1-{KEY_MAX_LENGTH} printable characters, e.g. a UUID."]})
    return key


def idempotent(post):
    """Decorates an APIView's ``post``: with an Idempotency-Key, the claim, the write and the kept
    answer share one transaction."""
    from django.db import transaction

    @functools.wraps(post)
    def handle(view, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return post(view, request, *args, **kwargs)
        fingerprint = idempotency_fingerprint(request.method, request.path, request.data)
        with transaction.atomic():
            claim = idempotency_claim(user=request.user, key=key, fingerprint=fingerprint, now=request_now(request))
            if claim.replay:
                return Response(
                    claim.record.response, status=claim.record.status_code, headers={"Idempotent-Replayed": "true"}
                )
            response = post(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                # As it goes out (DRF's encoder: decimals, datetimes), so a replay answers the same bytes.
                kept = json.loads(json.dumps(response.data, cls=JSONEncoder))
                idempotency_complete(claim=claim, status_code=response.status_code, response=kept)
            return response

    return handle
