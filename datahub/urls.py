from django.http import Http404, HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from datahub.portal.views.language import set_language


def not_offered(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """allauth pages the hub does not offer. Nobody signs up: a local administrator or the hub
    adds people. Nobody changes his own login address: roles are given to an address, so a
    person who could take on another's address would get the roles given to it."""
    raise Http404


urlpatterns = [
    path("accounts/signup/", not_offered),
    path("accounts/email/", not_offered),
    path("accounts/confirm-email/", not_offered),
    re_path(r"^accounts/confirm-email/(?P<key>[-:\w]+)/$", not_offered),
    path("accounts/", include("allauth.urls")),
    path("api/", include("datahub.api.urls")),
    path("taal/", set_language, name="set_language"),
    # Browsers ask for /favicon.ico wherever a page names no icon (a download, the API's JSON).
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.svg")), name="favicon"),
    path("", include("datahub.portal.urls")),
]
