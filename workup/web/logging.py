"""A refused request (403) is an everyday event on a ward — a nurse opening a physician's page —
not a crash: log it as one line (who, what, why) instead of a traceback."""

import logging


class ForbiddenOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            error = record.exc_info[1]
            request = getattr(record, "request", None)
            user = getattr(getattr(request, "user", None), "username", "") or "anonymous"
            record.msg = f"{record.getMessage()} (user {user}: {error})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
