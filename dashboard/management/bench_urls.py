"""The bench_http URLconf: the site's own URLs plus a floor, served only by that command.

The floor is a bare view with no database query and no session, behind the same middleware,
gunicorn and settings as every page: what serving any request at all costs on the machine.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import urlpatterns as site_urlpatterns


@require_GET
def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *site_urlpatterns]
