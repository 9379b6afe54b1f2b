from django.urls import include, path

from datahub.portal.views.language import set_language

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/", include("datahub.api.urls")),
    path("taal/", set_language, name="set_language"),
    path("", include("datahub.portal.urls")),
]
