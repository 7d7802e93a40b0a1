"""Experiment endpoints, nested under a project (see experiments/api/views.py for the contract)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from experiments.api import views

router = SimpleRouter()
router.register("experiments", views.ExperimentViewSet, basename="experiment")

urlpatterns = [path("projects/<int:project_pk>/", include(router.urls))]
