from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "datahub.schedule"
    label = "schedule"
    verbose_name = "Schedule"
