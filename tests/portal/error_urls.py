"""The portal's URLs plus one view that fails, to show the 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from datahub.urls import urlpatterns as portal_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure in a view")


urlpatterns = [path("test-failure/", fail), *portal_urlpatterns]
