"""Augmentation endpoints: pipelines and jobs nested under a project, the catalog and presets at the top."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from augmentation.api import views

router = SimpleRouter()
router.register("pipelines", views.PipelineViewSet, basename="pipeline")
router.register("jobs", views.JobViewSet, basename="augmentation-job")

urlpatterns = [
    path("augmentation/catalog/", views.CatalogView.as_view(), name="augmentation-catalog"),
    path("augmentation/presets/", views.PresetsView.as_view(), name="augmentation-presets"),
    path("projects/<int:project_pk>/", include(router.urls)),
]
