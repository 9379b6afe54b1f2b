"""The project's URLs, plus the processor API mounted here until ``datahub/api`` mounts it.

Once ``/api/verwerker/`` is mounted by the project itself, its own pattern comes first and
answers; this fallback then goes unused.
"""

from django.urls import path
from ninja import NinjaAPI

from datahub.forwarding.api import router
from datahub.urls import urlpatterns as project_patterns

_api = NinjaAPI(urls_namespace="verwerker-tests", docs_url=None)
_api.add_router("/", router)

urlpatterns = [*project_patterns, path("api/verwerker/", _api.urls)]
