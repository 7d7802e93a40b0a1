from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from labeling import receivers  # noqa: F401  (connects the signal receivers)
        from labeling.analytics import receivers as analytics_receivers  # noqa: F401
