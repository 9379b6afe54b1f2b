"""The REST API, mounted at /api/ (OpenAPI docs at /api/docs, the schema at /api/openapi.json).

Institutions' systems deliver files and fetch reports with an institution's API token
(``datahub.api.deliveries``) or submit FHIR resources (``datahub.fhir.api``); processors fetch
forwarded packages under /api/verwerker/ with a processor's token (``datahub.forwarding.api``).
Each router brings its own authentication.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

import datahub
from datahub.api import deliveries, errors
from datahub.fhir.api import declare_fhir_json
from datahub.fhir.api import router as fhir_router
from datahub.forwarding.api import router as processor_router


class DatahubApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        declare_fhir_json(schema)
        return schema


api = DatahubApi(
    title="Datahub API",
    version=datahub.__version__,
    description=(
        "Deliver registry files and fetch their processing reports with an institution's API "
        "token (`Authorization: Bearer dh_...`); a local administrator makes tokens on the "
        "portal's page *API-tokens* ([/beheer/api-tokens/](/beheer/api-tokens/)). Registries "
        "that allow it take FHIR R4 resources at `/api/fhir/{code}`. Processors fetch "
        "forwarded packages under `/api/verwerker/` with a processor's token, made on the "
        "portal's page *Verwerker* ([/verwerker/](/verwerker/)). The hub's source holds the "
        "full guides: `docs/api.md`, `docs/fhir.md`, `docs/forwarding.md`. "
        "[Back to the portal](/)"
    ),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/", deliveries.router)
api.add_router("/", fhir_router)
api.add_router("/verwerker/", processor_router)

urlpatterns = [path("", api.urls)]
