"""Structured logs: one JSON object per line (structlog rendering the standard library's records),
with the request id of the request being served, or the Celery task id in a worker.

Never log a patient's name, date of birth or MRN: log ids (workup, order, alert) and ward codes.
As a second line of defence, values under keys that name patient identifiers are redacted.
tests/ops/test_logs.py runs a whole scenario and scans the output.
"""

import logging

import structlog

from workup.security.logfilter import HIDDEN, QUERY

# Keys whose values are patient identifiers, should a call ever pass them as structured fields.
PATIENT_KEYS = frozenset({"name", "patient_name", "mrn", "date_of_birth", "dob", "birth_date"})
REDACTED = "[redacted]"


def redact_patient_fields(logger, method_name, event_dict):
    for key in PATIENT_KEYS & event_dict.keys():
        event_dict[key] = REDACTED
    return event_dict


def redact_query_strings(logger, method_name, event_dict):
    """A request is logged as its method and path, and any query string in a logged value is
    hidden: ?mrn=H1234567 (the MRN search) must never reach a log (issue 11). Django's request
    warnings pass the request object itself, whose repr carries the whole URL."""
    request = event_dict.get("request")
    if request is not None and not isinstance(request, str):
        event_dict["request"] = f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip()
    for key, value in event_dict.items():
        if isinstance(value, str) and "?" in value:
            event_dict[key] = QUERY.sub(HIDDEN, value)
    return event_dict


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,  # request_id / task_id bound by ops.middleware and ops.celery_logging
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_patient_fields,
        redact_query_strings,
    ]


def _configure_structlog() -> None:
    """structlog.get_logger() loggers go through the standard library like everything else."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(log_format: str = "json") -> logging.Formatter:
    """The formatter of every handler (settings.LOGGING): json (default) or console (readable)."""
    _configure_structlog()
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "console"
        else structlog.processors.JSONRenderer(sort_keys=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
