"""Cache-Control: no-store on every page and API answer the app makes, so that no browser, proxy
or shared ward workstation keeps a copy of patient data. Static files (served by WhiteNoise before
this middleware runs) keep their long caching."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private, max-age=0
        return response
