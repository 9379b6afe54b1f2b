from django.urls import path

from datahub.portal.views import (
    audit_log,
    delivery,
    dictionaries,
    entry,
    forwarding,
    hub,
    institutions,
    overview,
    people,
    shell,
    tokens,
    upload,
)

app_name = "portal"

urlpatterns = [
    path("", shell.home, name="home"),
    path("overzicht/", overview.overview, name="overview"),
    path("overzicht/<str:table>/", overview.overview_table, name="overview_table"),
    path("aangeleverd/", overview.delivered, name="delivered"),
    path("verwacht/", overview.expected, name="expected"),
    path("aanleveren/", upload.upload, name="upload"),
    path("aanleveren/velden/", upload.upload_fields, name="upload_fields"),
    path("aanleveren/controleren/", upload.upload_check, name="upload_check"),
    path("aanleveren/upload/", upload.upload_start, name="upload_start"),
    path("aanleveren/upload/<str:session_id>/", upload.upload_chunk, name="upload_chunk"),
    path("aanleveren/indienen/", upload.upload_submit, name="upload_submit"),
    path("aanleveringen/<int:delivery_id>/", delivery.delivery_detail, name="delivery"),
    path(
        "aanleveringen/<int:delivery_id>/voortgang/",
        delivery.delivery_progress,
        name="delivery_progress",
    ),
    path(
        "aanleveringen/<int:delivery_id>/export/", delivery.delivery_export, name="delivery_export"
    ),
    path("afnameoverzicht/", forwarding.forwarding, name="forwarding"),
    path("afnameoverzicht/machtigingen/", forwarding.authorisation_list, name="authorisations"),
    path(
        "afnameoverzicht/machtigingen/<int:authorisation_id>/intrekken/",
        forwarding.authorisation_revoke,
        name="authorisation_revoke",
    ),
    path("invoerportaal/", entry.entry_home, name="entry"),
    path("invoerportaal/<str:code>/", entry.entry_form, name="entry_form"),
    path("invoerportaal/<str:code>/controleren/", entry.entry_check, name="entry_check"),
    path("invoerportaal/<str:code>/aanleveren/", entry.entry_submit, name="entry_submit"),
    path("invoerportaal/<str:code>/<int:draft_id>/", entry.entry_form, name="entry_draft"),
    path(
        "invoerportaal/<str:code>/<int:draft_id>/verwijderen/",
        entry.entry_delete,
        name="entry_delete",
    ),
    path("instelling/", shell.switch_institution, name="switch_institution"),
    path("beheer/gebruikers/", people.people, name="people"),
    path("beheer/gebruikers/nieuw/", people.person_add, name="person_add"),
    path("beheer/gebruikers/<int:membership_id>/", people.person_edit, name="person_edit"),
    path("beheer/logboek/", audit_log.audit_log, name="audit_log"),
    path("beheer/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path("beheer/api-tokens/nieuw/", tokens.api_token_add, name="api_token_add"),
    path(
        "beheer/api-tokens/<int:token_id>/intrekken/",
        tokens.api_token_revoke,
        name="api_token_revoke",
    ),
    path("data-dictionaries/", dictionaries.dictionary_list, name="dictionaries"),
    path(
        "data-dictionaries/<str:code>/vergelijk/",
        dictionaries.dictionary_compare,
        name="dictionary_compare",
    ),
    path(
        "data-dictionaries/<str:code>/<str:version>/",
        dictionaries.dictionary_detail,
        name="dictionary",
    ),
    path(
        "data-dictionaries/<str:code>/<str:version>/werkboek/",
        dictionaries.dictionary_workbook,
        name="dictionary_workbook",
    ),
    path(
        "data-dictionaries/<str:code>/<str:version>/xsd/",
        dictionaries.dictionary_xsd,
        name="dictionary_xsd",
    ),
    path("hub/", hub.operator_home, name="operator_home"),
    path("hub/data-dictionaries/importeren/", hub.dictionary_import, name="dictionary_import"),
    path("hub/deelname/", hub.participation, name="participation"),
    path("hub/zorginstellingen/", institutions.institution_list, name="institutions"),
    path("hub/zorginstellingen/nieuw/", institutions.institution_add, name="institution_add"),
    path(
        "hub/zorginstellingen/<int:institution_id>/",
        institutions.institution_edit,
        name="institution_edit",
    ),
    path("hub/aanleverstatus/", overview.delivery_status, name="delivery_status"),
    path("verwerker/", forwarding.processor_home, name="processor_home"),
    path(
        "verwerker/tokens/<int:token_id>/intrekken/",
        forwarding.processor_token_revoke,
        name="processor_token_revoke",
    ),
    path("hub/verwerkers/", forwarding.processor_registrations, name="processor_registrations"),
    path(
        "hub/verwerkers/<int:registration_id>/intrekken/",
        forwarding.processor_registration_withdraw,
        name="processor_registration_withdraw",
    ),
]
