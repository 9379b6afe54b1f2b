from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "datahub.api"
    label = "api"
    verbose_name = "API"
