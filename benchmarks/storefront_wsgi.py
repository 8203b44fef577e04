"""The site's WSGI application plus one bare view, for benchmarks/storefront_load.py.

`/__bare__/` returns a constant through the same middleware (sessions, CSRF, auth, messages,
htmx) and the same gunicorn: the ceiling a storefront page is compared with.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()  # sets Django up; the URLs below need the apps loaded

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bare__/", bare), path("", include("sandbox.urls"))]
settings.ROOT_URLCONF = __name__
