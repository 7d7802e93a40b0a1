"""A URL configuration where the labelling page exists, for testing the links that appear once it does."""

from django.http import HttpResponse
from django.urls import include, path

from frontend import urls as frontend_urls


def label_page(request, project_id, item_id=None):
    return HttpResponse("label")


frontend_patterns = [
    *frontend_urls.urlpatterns,
    path("projects/<int:project_id>/items/<int:item_id>/label/", label_page, name="label-item"),
    path("projects/<int:project_id>/label/", label_page, name="label"),
]

urlpatterns = [
    path("api/v1/", include("projects.api.urls")),
    path("", include((frontend_patterns, "frontend"))),
]
