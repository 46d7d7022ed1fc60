"""The API's JSON parser: DRF's, hardened so that no request body can cause a 500."""

import json

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils.json import strict_constant


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """Adds to DRF's parser: a size limit (DATA_UPLOAD_MAX_MEMORY_SIZE, which Django enforces only
    for forms), and undecodable bytes, lone surrogates ("\\ud800") or absurdly deep nesting
    answered as 400 instead of crashing."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"Request body too large (at most {limit} bytes).")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from error
        try:
            # strict_constant: NaN and Infinity are not JSON and not numbers anyone meant.
            data = json.loads(text, parse_constant=strict_constant)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
        where = _lone_surrogate_at(data, path="")
        if where is not None:
            # "\ud800" is valid JSON but not Unicode: it cannot be stored, logged or sent back.
            raise ParseError(
                f"JSON parse error - {where} contains a lone surrogate (\\uD800-\\uDFFF), which is not text."
            )
        return data


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _lone_surrogate_at(value, *, path: str) -> str | None:
    """Where in the parsed body a string or key holds a lone surrogate (e.g. "the value at
    patient.name", "a key in patient"), or None. Iterative: the depth was bounded by parsing."""
    stack = [(value, path)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                return f"the value at {at or 'the top level'}"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if _has_surrogate(key):
                    return f"a key in {at or 'the top-level object'}"
                stack.append((inner, f"{at}.{key}" if at else key))
        elif isinstance(item, list):
            stack.extend((inner, f"{at}[{index}]") for index, inner in enumerate(item))
    return None
