from django.apps import AppConfig


class ForwardingConfig(AppConfig):
    name = "datahub.forwarding"
    label = "forwarding"
    verbose_name = "Forwarding"
