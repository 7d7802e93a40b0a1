"""Annotation endpoints, all nested under a project (see labeling/api/views.py for the contract)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from labeling.api import views

router = SimpleRouter()
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("regions", views.RegionViewSet, basename="region")
router.register("queue", views.QueueViewSet, basename="queue")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("predictions", views.PredictionViewSet, basename="prediction")

item_annotations = views.ItemAnnotationViewSet.as_view({"get": "list", "post": "create"})
item_regions = views.ItemAnnotationViewSet.as_view({"put": "replace"})
item_agreement = views.ItemAgreementViewSet.as_view({"get": "retrieve_agreement"})
project_agreement = views.ProjectAgreementViewSet.as_view({"get": "list"})

urlpatterns = [
    path("projects/<int:project_pk>/", include(router.urls)),
    path(
        "projects/<int:project_pk>/items/<int:item_pk>/annotations/",
        item_annotations,
        name="item-annotation-list",
    ),
    path("projects/<int:project_pk>/items/<int:item_pk>/regions/", item_regions, name="item-regions"),
    path("projects/<int:project_pk>/items/<int:item_pk>/agreement/", item_agreement, name="item-agreement"),
    path("projects/<int:project_pk>/agreement/", project_agreement, name="project-agreement"),
]
