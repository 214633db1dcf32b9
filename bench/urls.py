from django.http import JsonResponse
from django.urls import path

from smarketing.urls import urlpatterns as app_urlpatterns


def baseline(request):
    """The least a Django view can do: the yardstick every HTTP scenario is divided by."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *app_urlpatterns]
handler404 = "smarketing.views.page_not_found"
handler500 = "smarketing.views.server_error"
