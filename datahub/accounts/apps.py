from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "datahub.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from datahub.accounts import signals  # noqa: F401  (connects the audit receivers)
