"""Throttling of POST /api/v1/auth/token/ (password guessing)."""

import hashlib
from collections.abc import Mapping

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class TokenRequestThrottle(SimpleRateThrottle):
    """Token requests counted per username *and* client IP (every request, failed or not: a client
    that has its token has no reason to ask again and again).

    Per username alone would let anyone lock a colleague out by guessing wrong on purpose; per IP
    alone would throttle a whole ward behind one NAT address. The rate is
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"] (env API_TOKEN_THROTTLE_RATE, default 10/min);
    counts live in the default cache, so with several server processes use a shared cache.
    """

    scope = "token"

    def get_rate(self) -> str | None:
        # Read at request time, not import time as DRF does, so that a settings change applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        username = username.strip().casefold() if isinstance(username, str) else ""
        # Hashed: usernames of any length and alphabet make safe, fixed-length cache keys.
        ident = hashlib.sha256(f"{username}\0{self.get_ident(request)}".encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TriageThrottle(UserRateThrottle):
    """Triage attempts (POST /api/v1/workups/ and the web triage form, one count) per user:
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["triage"] (env TRIAGE_THROTTLE_RATE, default 30/hour).
    Every attempt counts, refused ones too: that is what bounds probing MRNs for identities."""

    scope = "triage"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def wait_minutes(self) -> int:
        return max(1, int((self.wait() or 60) // 60))
