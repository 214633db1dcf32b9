"""Production settings plus one baseline route: a minimal JSON view behind the same middleware."""

from smarketing.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
