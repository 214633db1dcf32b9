from django.conf import settings
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse

from smarketing.api import error_body
from smarketing.views import method_not_allowed


class ApiHttpsOnlyMiddleware:
    """Where the site redirects to https, API calls over plain http are refused instead of redirected.

    A redirect would make clients resend their request body and token in clear; a clear error
    makes the integration get fixed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if settings.SECURE_SSL_REDIRECT and request.path.startswith("/api/") and not request.is_secure():
            return JsonResponse(error_body("https_required", "Call the API over https."), status=403)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """A page asked with the wrong method (a GET on a POST-only action, a bookmarked form target)
    gets the product's own 405 page, or the JSON error shape under /api/, not an empty answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            page = method_not_allowed(request)
            page["Allow"] = response["Allow"]
            return page
        return response
