"""API tokens (DRF authtoken): one per user, handed out for a correct username and password,
valid for API_TOKEN_TTL from when it was made, revoked by its owner, by an admin (Django admin,
Auth Token → Tokens), and whenever the password changes or the account is deactivated."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from rest_framework.authtoken.models import Token

from workup.errors import InvalidInput
from workup.models import User

LOGIN_FAILED = "Unable to log in with the username and password given."


def api_token_expires_at(*, token: Token) -> datetime:
    return token.created + settings.API_TOKEN_TTL


def api_token_expired(*, token: Token, now: datetime) -> bool:
    return now >= api_token_expires_at(token=token)


def api_token_obtain(*, username: str, password: str, now: datetime, request=None) -> Token:
    """The user's token, made on first use and made anew once expired. The same answer for an
    unknown user, a wrong password and an inactive account, so that it does not reveal which
    usernames exist. ``request`` lets the login lockout (django-axes) count the attempt."""
    user = authenticate(request=request, username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidInput({"non_field_errors": [LOGIN_FAILED]})
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and api_token_expired(token=token, now=now):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    return token


def api_token_revoke(*, user: User) -> bool:
    """Revoke the user's token (there is at most one). True if there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
