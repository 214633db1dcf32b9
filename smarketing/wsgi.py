import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

application = get_wsgi_application()

# A server started without its own SECRET_KEY would sign sessions with a key anyone can read.
if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("Set SECRET_KEY (and DEBUG=0) before serving Smarketing outside development.")
