from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    """Baseline experiments on dataset versions, with and without augmentation (depends on projects, labeling,
    augmentation; nothing depends on it)."""

    name = "experiments"
    default_auto_field = "django.db.models.BigAutoField"
