from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "datahub.portal"
    label = "portal"
    verbose_name = "Portal"
