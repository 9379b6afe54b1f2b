from django.apps import AppConfig


class DictionariesConfig(AppConfig):
    name = "datahub.dictionaries"
    label = "dictionaries"
    verbose_name = "Data dictionaries"
