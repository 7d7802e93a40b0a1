from django.apps import AppConfig


class AugmentationConfig(AppConfig):
    name = "augmentation"
    default_auto_field = "django.db.models.BigAutoField"
