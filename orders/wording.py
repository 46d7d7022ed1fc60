"""Orders in few words, for titles that must fit a phone's notification line: the pathway's title
up to its first detail ("Neuro exam: reflexes, …" → "Neuro exam")."""

import re

SHORT_TITLE_MAX_LENGTH = 40
_DETAIL = re.compile(r"\s*[:;(]")


def order_short_title(title: str) -> str:
    short = _DETAIL.split(title, maxsplit=1)[0].strip() or title
    if len(short) > SHORT_TITLE_MAX_LENGTH:
        short = short[: SHORT_TITLE_MAX_LENGTH - 1].rstrip() + "…"
    return short
