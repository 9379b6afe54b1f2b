from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "datahub.audit"
    label = "audit"
    verbose_name = "Audit"
