from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("labeling.api.urls")),
    path("api/v1/", include("labeling.analytics.urls")),
    path("api/v1/", include("augmentation.api.urls")),
    path("api/v1/", include("exchange.api.urls")),
    path("api/v1/", include("experiments.api.urls")),
    path("", include("frontend.urls")),
]
