"""Pages of augmentation (pipelines and jobs); their patterns join the "frontend" namespace."""

from django.urls import path

from augmentation import pages

urlpatterns = [
    path("projects/<int:project_id>/pipelines/", pages.pipelines, name="pipelines"),
    path("projects/<int:project_id>/pipelines/new/", pages.pipeline_builder, name="pipeline-new"),
    path("projects/<int:project_id>/pipelines/<int:pipeline_id>/", pages.pipeline_builder, name="pipeline-edit"),
    path("projects/<int:project_id>/jobs/", pages.jobs, name="jobs"),
    path("projects/<int:project_id>/jobs/new/", pages.job_launch, name="job-new"),
    path("projects/<int:project_id>/jobs/<int:job_id>/", pages.job_detail, name="job-detail"),
]
