"""Time analytics endpoints, included under /api/v1/ by config/urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from labeling.analytics.api import AnalyticsViewSet

router = SimpleRouter()
router.register("analytics", AnalyticsViewSet, basename="analytics")

urlpatterns = [path("projects/<int:project_pk>/", include(router.urls))]
