import gc
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

application = get_wsgi_application()

# A server started without its own SECRET_KEY would sign sessions with a key anyone can read.
if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("Set SECRET_KEY (and DEBUG=0) before serving Smarketing outside development.")

# What a worker has loaded by now (Django, the apps, every view behind the URLs) lives as long as the
# process. Frozen, the garbage collector no longer walks it in its full collections, which come every
# hundred or so page views and, walking all of it, were among the slowest moments of those views.
get_resolver().url_patterns  # noqa: B018 -- imports every view now, before the freeze
gc.freeze()
