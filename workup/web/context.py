"""What every page's navigation shows: the user's name, the links their role may follow and the
alert banner (the inbox's unread count comes from notifications.web.context)."""

from django.conf import settings
from django.http import HttpRequest

from workup.api.permissions import Operation, user_may
from workup.web.live import live_state
from workup.web.selectors import banner_lines


def nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_may(user=user, operation=Operation.READ):
        # Signed in without a role or a ward: no banner, no links, nothing about any patient.
        return {"hospital_zone": settings.TIME_ZONE, "nav_may_read": False}
    # Callables: the template calls them only on pages that show them (not in htmx partials).
    return {
        "hospital_zone": settings.TIME_ZONE,
        "nav_may_read": True,
        "nav_may_triage": user_may(user=user, operation=Operation.TRIAGE),
        "nav_may_dashboard": user_may(user=user, operation=Operation.OVERDUE_DASHBOARD),
        "banner": lambda: banner_lines(user=user),
        # What app.js compares its first /live/ answer with: a change since this page was made.
        "live_stamp": lambda: live_state(user=user)["stamp"],
    }
