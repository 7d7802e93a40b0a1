from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Dataset export and import: formats in and out of Tandem (depends on projects and labeling)."""

    name = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
