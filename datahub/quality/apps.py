from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "datahub.quality"
    label = "quality"
