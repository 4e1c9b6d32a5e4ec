"""URLconf for the benchmark (portal.settings.bench, ROOT_URLCONF = "devtools.bench_urls"): the portal's own URLs plus a trivial view.

The trivial view comes first: the portal ends with a catch-all Wagtail route that would take it.
"""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def trivial(request):
    """The yardstick: no template, no database, the same middleware as every page."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    *portal_urlpatterns,
]
