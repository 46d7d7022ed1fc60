"""Live updates on every screen (issue 10 §2): each open page asks GET /live/ every few seconds
"has anything changed for my wards?" — conditional polling of a cheap, cacheable answer.

The answer is a small JSON document with an ETag; a screen that already has it gets 304 Not
Modified without a body. When the stamp changes the page refreshes its banner and board rows
(htmx), its tab title and, for a new CRIT group, plays the sound its user opted into. Cost per
poll: the session and user lookups, the role check, one aggregate over the wards' unresolved
alert groups (index alertgroup_ward_open_idx) and whatever other apps add (the inbox's unread
count) — measured in bench/live_polling.py, docs/web.md.

Other apps add to the state through ``live_part_register`` (notifications adds "unread"), so
that workup, which they depend on, never imports them.
"""

import hashlib
import json
from collections.abc import Callable

from workup.models import AlertGroup, AlertGroupStatus, User
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.selectors import user_sees_all_wards

_PARTS: dict[str, Callable[[User], int]] = {}


def live_part_register(name: str, read: Callable[[User], int]) -> None:
    """Add a number to every screen's live state, e.g. the inbox's unread count."""
    _PARTS[name] = read


def live_state(*, user: User) -> dict:
    """What a screen shows that can change under it, and a stamp that changes with it. One query
    for the groups: a ward has a handful of unresolved groups at a time."""
    groups = AlertGroup.objects.filter(status__in=UNRESOLVED_GROUP_STATUSES)
    if not user_sees_all_wards(user=user):
        groups = groups.filter(ward__staff=user)
    rows = sorted(groups.values_list("id", "status", "severity", "version"))
    open_counts = {"CRIT": 0, "HIGH": 0, "MED": 0}
    for _, status, severity, _ in rows:
        if status == AlertGroupStatus.OPEN:
            open_counts[severity] += 1
    parts = {name: read(user) for name, read in sorted(_PARTS.items())}
    fingerprint = json.dumps([rows, parts], sort_keys=True)
    return {
        "stamp": hashlib.sha256(fingerprint.encode()).hexdigest()[:20],
        "open_groups": open_counts,
        # A group id the page has not seen here before is a new or newly raised CRIT: its cue
        # for the sound the user opted into.
        "open_crit_ids": [pk for pk, status, severity, _ in rows if status == "open" and severity == "CRIT"],
        **parts,
    }
