"""Token authentication with a lifetime (API_TOKEN_TTL, default 12 h from when the token was made)."""

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from workup.services.api_tokens import api_token_expired

TOKEN_EXPIRED = "Token expired; ask for a new one at POST /api/v1/auth/token/."


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token=token, now=timezone.now()):
            raise AuthenticationFailed(TOKEN_EXPIRED)
        return user, token
