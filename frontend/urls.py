from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import urls_augmentation, urls_exchange, urls_experiments, views, views_labeling
from labeling.analytics import pages as analytics_pages

app_name = "frontend"

urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.project_list, name="project-list"),
    path("projects/<int:project_id>/", views.project_detail, name="project-detail"),
    path("projects/<int:project_id>/upload/", views.project_upload, name="project-upload"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:project_id>/items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("account/token/", views.api_token, name="api-token"),
    # The labelling editor and review (frontend/views_labeling.py).
    path("projects/<int:project_id>/label/", views_labeling.label, name="label"),
    path("projects/<int:project_id>/items/<int:item_id>/label/", views_labeling.label_item, name="label-item"),
    path("projects/<int:project_id>/review/", views_labeling.review, name="review"),
    path(
        "projects/<int:project_id>/review/<int:annotation_id>/",
        views_labeling.review_annotation,
        name="review-annotation",
    ),
]
urlpatterns.append(path("projects/<int:project_id>/analytics/", analytics_pages.dashboard, name="analytics"))
# Augmentation pages (pipelines, jobs) are listed flat, so they take part in the navigation like any page.
urlpatterns += urls_augmentation.urlpatterns
urlpatterns += urls_experiments.urlpatterns
urlpatterns += urls_exchange.urlpatterns
