from django.urls import path

from datahub.portal.views import audit_log, people, shell

app_name = "portal"

urlpatterns = [
    path("", shell.home, name="home"),
    path("overzicht/", shell.overview, name="overview"),
    path("aangeleverd/", shell.delivered, name="delivered"),
    path("verwacht/", shell.expected, name="expected"),
    path("aanleveren/", shell.upload, name="upload"),
    path("afnameoverzicht/", shell.forwarding, name="forwarding"),
    path("invoerportaal/", shell.entry, name="entry"),
    path("instelling/", shell.switch_institution, name="switch_institution"),
    path("beheer/gebruikers/", people.people, name="people"),
    path("beheer/gebruikers/nieuw/", people.person_add, name="person_add"),
    path("beheer/gebruikers/<int:membership_id>/", people.person_edit, name="person_edit"),
    path("beheer/logboek/", audit_log.audit_log, name="audit_log"),
    path("hub/", shell.operator_home, name="operator_home"),
    path("verwerker/", shell.processor_home, name="processor_home"),
]
