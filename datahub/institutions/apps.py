from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "datahub.institutions"
    label = "institutions"
    verbose_name = "Institutions"
