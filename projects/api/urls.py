from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from projects.api import views

router = DefaultRouter()
router.register("projects", views.ProjectViewSet, basename="project")

nested = SimpleRouter()
nested.register("classes", views.LabelClassViewSet, basename="class")
nested.register("members", views.MembershipViewSet, basename="member")
nested.register("datasets", views.DatasetViewSet, basename="dataset")
nested.register("versions", views.DatasetVersionViewSet, basename="version")
nested.register("items", views.ItemViewSet, basename="item")

urlpatterns = [
    path("auth/token/", views.ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("", include(router.urls)),
    path("projects/<int:project_pk>/", include(nested.urls)),
    path("projects/<int:project_pk>/uploads/", include("projects.api.upload_views")),
]
