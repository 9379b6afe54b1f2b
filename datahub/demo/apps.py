from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "datahub.demo"
    label = "demo"
    verbose_name = "Demo data"
