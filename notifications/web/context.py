"""What every page's navigation shows of the inbox: its unread count (a context processor)."""

from django.http import HttpRequest

from notifications.selectors import inbox_unread
from workup.api.permissions import Operation, user_may


def unread_count(user) -> int:
    """Index: notification_inbox_idx. Settled pages (their subject dealt with) do not count."""
    return inbox_unread(user=user).count()


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_may(user=user, operation=Operation.READ):
        return {}
    # A callable: the template counts only on pages that show the count (not in htmx partials).
    return {"nav_unread": lambda: unread_count(user)}
