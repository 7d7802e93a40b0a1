"""Export and import endpoints, nested under a project (see exchange/api/views.py for the contract)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from exchange.api import views

router = SimpleRouter()
router.register("exports", views.ExportViewSet, basename="export")
router.register("imports", views.ImportViewSet, basename="import")

urlpatterns = [path("projects/<int:project_pk>/", include(router.urls))]
