"""The REST API (being built: issue 5). Mounted at /api/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
