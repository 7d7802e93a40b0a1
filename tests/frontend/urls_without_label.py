"""A URL configuration without any of the pages later features add."""

from django.urls import include, path

from frontend import urls as frontend_urls
from frontend.navigation import PROJECT_PAGES

LATER_PAGES = {entry.url_name.split(":")[1] for entry in PROJECT_PAGES} - {
    "project-detail",
    "project-upload",
    "project-settings",
}

frontend_patterns = [
    pattern for pattern in frontend_urls.urlpatterns if pattern.name not in LATER_PAGES and pattern.name != "label-item"
]

urlpatterns = [
    path("api/v1/", include("projects.api.urls")),
    path("", include((frontend_patterns, "frontend"))),
]
