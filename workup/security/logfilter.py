"""Query strings never reach the access log: ?mrn=H1234567 (the API's MRN search) or ?q= (the
admin's search box) would otherwise be written to disk with every request. Attached to the
development server's access logger (django.server); gunicorn's access log format
(deploy/gunicorn.conf.py) leaves the query string and the referrer out in the first place."""

import logging
import re

HIDDEN = "?[query hidden]"
# Any query string not already hidden (the filter may see a record twice).
QUERY = re.compile(r"\?(?!\[query hidden\])[^\s\"']*")


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY.sub(HIDDEN, message), ()
        return True
