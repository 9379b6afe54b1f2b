from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "datahub.deliveries"
    label = "deliveries"
    verbose_name = "Deliveries"

    def ready(self) -> None:
        from datahub.deliveries import processing
        from datahub.deliveries.notifications import queue_processed_email

        if queue_processed_email not in processing.finished_hooks:
            processing.finished_hooks.append(queue_processed_email)
