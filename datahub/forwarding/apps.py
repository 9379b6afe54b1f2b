from django.apps import AppConfig


class ForwardingConfig(AppConfig):
    name = "datahub.forwarding"
    label = "forwarding"
    verbose_name = "Forwarding"

    def ready(self) -> None:
        from datahub.deliveries.processing import finished_hooks
        from datahub.forwarding.tasks import queue_forwarding

        if queue_forwarding not in finished_hooks:
            finished_hooks.append(queue_forwarding)
