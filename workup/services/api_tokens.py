"""API tokens (DRF authtoken): one per user, handed out for a correct username and password."""

from django.contrib.auth import authenticate
from rest_framework.authtoken.models import Token

from workup.errors import InvalidInput

LOGIN_FAILED = "Unable to log in with the username and password given."


def api_token_obtain(*, username: str, password: str, request=None) -> Token:
    """The user's token, created on first use. The same answer for an unknown user, a wrong
    password and an inactive account, so that it does not reveal which usernames exist."""
    user = authenticate(request=request, username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidInput({"non_field_errors": [LOGIN_FAILED]})
    token, _ = Token.objects.get_or_create(user=user)
    return token
