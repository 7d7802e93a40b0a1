"""Pages of experiments (list, new, result); their patterns join the "frontend" namespace."""

from django.urls import path

from experiments import pages

urlpatterns = [
    path("projects/<int:project_id>/experiments/", pages.experiment_list, name="experiments"),
    path("projects/<int:project_id>/experiments/new/", pages.experiment_new, name="experiment-new"),
    path(
        "projects/<int:project_id>/experiments/<int:experiment_id>/", pages.experiment_detail, name="experiment-detail"
    ),
]
