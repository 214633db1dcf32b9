"""`{% path "name" %}` and `{% asset "file" %}`: `{% url %}` and `{% static %}` for what every page
shows (the navigation bar, the styles and scripts), worked out once per process.

A URL without arguments and a static file's hashed name do not change while a process runs, yet
Django resolves both anew on every page view: in the shell of a page that was about a sixth of its
rendering time.
"""

from functools import cache

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse

register = template.Library()


@register.simple_tag
@cache
def path(name: str) -> str:
    return reverse(name)


@register.simple_tag
@cache
def asset(name: str) -> str:
    return staticfiles_storage.url(name)
