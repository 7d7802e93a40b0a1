"""Jobs through the API: launch, progress, failures, cancel, list; and one job run by eager Celery end to end."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from augmentation.models import AugmentationJob, JobChunk
from config.celery_app import app
from projects.models import DatasetVersion, VersionStatus
from tests.augmentation.conftest import run_job

pytestmark = pytest.mark.django_db


def url(project, suffix: str = "") -> str:
    return f"/api/v1/projects/{project.pk}/jobs/{suffix}"


@pytest.fixture
def eager_celery():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_launching_answers_201_with_the_job_and_its_building_version(
    manager_api, project, make_pipeline, labelled_images
):
    pipeline = make_pipeline()
    response = manager_api.post(url(project), {"pipeline": pipeline.pk, "copies_per_item": 2, "seed": 7})

    assert response.status_code == 201, response.data
    body = response.data
    assert response["Location"] == body["url"] == url(project, f"{body['id']}/")
    assert (body["status"], body["seed"], body["copies_per_item"]) == ("queued", 7, 2)
    assert body["selection"] == {"splits": ["train"], "statuses": ["accepted", "submitted"], "classes": []}
    assert body["output_version"]["status"] == "building"
    assert body["pipeline_config"]["seed"] == 7


def test_a_job_runs_on_celery_and_its_version_becomes_ready(
    manager_api, project, make_pipeline, labelled_images, eager_celery, django_capture_on_commit_callbacks
):
    pipeline = make_pipeline()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post(url(project), {"pipeline": pipeline.pk, "copies_per_item": 2})
    assert response.status_code == 201, response.data

    detail = manager_api.get(response.data["url"]).data
    assert detail["status"] == "completed"
    progress = detail["progress"]
    assert (progress["total"], progress["done"], progress["failed"], progress["queued"]) == (8, 8, 0, 0)
    assert progress["percent"] == 100.0
    versions = manager_api.get(f"/api/v1/projects/{project.pk}/versions/").data["results"]
    assert detail["output_version"]["id"] in [v["id"] for v in versions]
    items = manager_api.get(f"/api/v1/projects/{project.pk}/items/", {"version": detail["output_version"]["id"]})
    assert items.data["count"] == 12


def test_a_building_version_is_not_listed(manager_api, project, make_pipeline, labelled_images):
    job = manager_api.post(url(project), {"pipeline": make_pipeline().pk}).data
    versions = manager_api.get(f"/api/v1/projects/{project.pk}/versions/").data["results"]
    assert job["output_version"]["id"] not in [v["id"] for v in versions]
    items = manager_api.get(f"/api/v1/projects/{project.pk}/items/", {"version": job["output_version"]["id"]})
    assert items.status_code == 404


def test_job_detail_shows_progress_with_rate_and_eta_while_running(manager_api, project, launch, labelled_images):
    from augmentation.services import chunks, jobs

    job = launch(chunk_size=2)
    jobs.start_job(job.pk)
    chunks.run_chunk(JobChunk.objects.filter(job=job).order_by("index").first().pk)

    body = manager_api.get(url(project, f"{job.pk}/")).data
    progress = body["progress"]
    assert (body["status"], progress["done"], progress["queued"], progress["percent"]) == ("running", 2, 2, 50.0)
    assert progress["items_per_s"] > 0
    assert progress["eta"] is not None
    assert body["chunks"]["total"] == 2 and body["chunks"]["done"] == 1 and body["chunks"]["queued"] == 1


def test_failures_are_listed_with_their_reasons(manager_api, project, launch, labelled_images):
    broken = labelled_images[2]
    broken.file.save("broken.jpg", ContentFile(b"\xff\xd8 truncated"), save=True)
    job = run_job(launch(copies_per_item=2))

    response = manager_api.get(url(project, f"{job.pk}/failures/"), {"page_size": 1})

    assert response.status_code == 200
    assert response.data["count"] == 2
    (first,) = response.data["results"]
    assert (first["source_item"], first["source_name"], first["copy_index"]) == (broken.pk, broken.original_name, 0)
    assert "could not be decoded" in first["error"]
    assert manager_api.get(url(project, f"{job.pk}/")).data["status"] == "completed_with_errors"


def test_cancel_through_the_api(manager_api, project, launch, labelled_images):
    job = launch()
    response = manager_api.post(url(project, f"{job.pk}/cancel/"))
    assert response.status_code == 200
    assert response.data["status"] == "cancelled"
    assert DatasetVersion.objects.get(pk=job.output_version_id).status == VersionStatus.CANCELLED
    again = manager_api.post(url(project, f"{job.pk}/cancel/"))
    assert again.status_code == 409


def test_jobs_are_listed_newest_first(manager_api, project, launch, labelled_images):
    older, newer = launch(), launch()
    response = manager_api.get(url(project))
    assert [job["id"] for job in response.data["results"]] == [newer.pk, older.pk]
    assert "progress" in response.data["results"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"copies_per_item": 51}, "copies_per_item"),
        ({"balance": {"mode": "count"}}, "balance.target"),
        ({"balance": {"mode": "most"}}, "balance.mode"),
        ({"selection": {"splits": ["training"]}}, "selection.splits.0"),
        ({"selection": {"splits": []}}, "selection.splits"),
        ({"selection": {"statuses": ["draft"]}}, "selection.statuses.0"),
        ({"selection": {"classes": [999999]}}, "selection.classes"),
        ({"pipeline": 999999}, "pipeline"),
        ({"source_version": 999999}, "source_version"),
        ({"copies_per_item": 0}, "copies_per_item"),
    ],
)
def test_invalid_launch_options_answer_400_naming_the_field(
    manager_api, project, make_pipeline, labelled_images, body, field
):
    response = manager_api.post(url(project), {"pipeline": make_pipeline().pk, **body})
    assert response.status_code == 400
    assert field in response.data["errors"], response.data
    assert not AugmentationJob.objects.exists()


def test_a_pipeline_of_another_project_cannot_be_used(manager_api, project, labelled_images):
    from augmentation.services.pipelines import create_pipeline
    from tests.factories import make_project

    other = make_project(name="other")
    foreign = create_pipeline(
        project=other, user=other.created_by, name="theirs", config={"steps": [{"type": "HorizontalFlip"}]}
    )
    response = manager_api.post(url(project), {"pipeline": foreign.pk})
    assert response.status_code == 400
    assert "pipeline" in response.data["errors"]


def test_an_empty_selection_answers_400(manager_api, project, make_pipeline, labelled_images):
    response = manager_api.post(url(project), {"pipeline": make_pipeline().pk, "selection": {"splits": ["test"]}})
    assert response.status_code == 400
    assert "No image items" in response.data["errors"]["selection"][0]


def test_the_file_urls_of_an_augmented_version_serve_its_images(manager_api, project, launch, labelled_images):
    job = run_job(launch(copies_per_item=1, include_originals=False))
    listed = manager_api.get(f"/api/v1/projects/{project.pk}/items/?version={job.output_version_id}").json()
    assert listed["count"] == 4
    for item in listed["results"]:
        # The item bodies' URLs name no version; they serve the file of whatever ready version holds it.
        response = manager_api.get(item["file_url"])
        assert response.status_code == 200, item["file_url"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_file_of_an_item_in_a_version_still_building_is_not_served(manager_api, project, launch, labelled_images):
    job = launch(copies_per_item=1, include_originals=False)
    finished = run_job(job)
    # Back to building, as if the job were still running: its items are not yet anyone's to fetch.
    DatasetVersion.objects.filter(pk=finished.output_version_id).update(status=VersionStatus.BUILDING)
    output = finished.output_version.items.filter(source_item__isnull=False).first()
    assert manager_api.get(f"/api/v1/projects/{project.pk}/items/{output.pk}/file/").status_code == 404
