"""The experiments API: who may do what, every bad input answered 400 by field, and the results as JSON and CSV."""

from __future__ import annotations

import csv
import io

import pytest

from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from experiments.models import Experiment
from experiments.services import runs
from projects.models import Role
from projects.progress import JobStatus
from projects.selectors import default_dataset, working_version
from projects.services import assign_split
from tests.augmentation.conftest import add_image, annotate, box, run_job
from tests.experiments.conftest import CLASSES, labelled_image, run
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.django_db

FLIP = {"seed": 0, "steps": [{"type": "HorizontalFlip", "p": 1.0}]}


def url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/experiments/{suffix}"


@pytest.fixture
def pipeline(image_project, manager):
    return create_pipeline(project=image_project, user=manager, name="flip", config=FLIP)


@pytest.fixture
def job(image_project, manager, pipeline):
    return run_job(jobs.launch_job(project=image_project, user=manager, pipeline=pipeline, copies_per_item=1))


def post(client, project, body):
    return client.post(url(project), body, format="json")


def assert_400(response, field, *words):
    assert response.status_code == 400, response.data
    assert field in response.data["errors"], response.data
    message = " ".join(response.data["errors"][field])
    for word in words:
        assert word in message, message
    return message


# --- creating, reading, listing ------------------------------------------------------------------------------


def test_a_manager_creates_an_experiment_that_is_queued_with_its_inputs_recorded(
    manager_api, image_project, job, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("experiments.celery_tasks.run_experiment.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk], "label": "flipped"}]})
    assert response.status_code == 201, response.data
    body = response.data
    assert queued == [body["id"]]
    assert response["Location"] == body["url"] == url(image_project, f"{body['id']}/")
    assert (body["status"], body["kind"], body["model_family"]) == ("queued", "image_classification", "logreg")
    assert (body["training_split"], body["evaluation_split"]) == ("train", "val")
    assert body["progress"]["total"] == 2
    inputs = body["inputs"]
    assert [(s["key"], s["items"], s["augmented_items"]) for s in inputs["sets"]] == [
        ("baseline", 6, 0),
        ("candidate-1", 12, 6),
        ("evaluation", 4, 0),
    ]
    assert inputs["sets"][1]["label"] == "flipped"
    assert set(inputs["libraries"]) == {
        "python",
        "scikit-learn",
        "numpy",
        "scipy",
        "opencv-python-headless",
        "albumentations",
    }
    assert inputs["libraries"]["scikit-learn"] == "1.9.1"
    assert inputs["model"]["params"]["random_state"] == 0
    assert inputs["features"]["length"] == 1092


def test_members_read_results_as_json_and_per_class_metrics_as_csv(client_for, manager, image_project, job):
    experiment = Experiment.objects.get(
        pk=post(client_for(manager), image_project, {"candidates": [{"jobs": [job.pk]}]}).data["id"]
    )
    viewer = client_for(add_member(image_project, Role.VIEWER))
    early = viewer.get(url(image_project, f"{experiment.pk}/per-class-metrics/"))
    assert early.status_code == 409
    assert "queued" in early.data["detail"]
    run(experiment)
    body = viewer.get(url(image_project, f"{experiment.pk}/")).data
    assert body["status"] == "completed"
    assert [r["key"] for r in body["results"]["runs"]] == ["baseline", "candidate-1"]
    listed = viewer.get(url(image_project)).data
    assert listed["count"] == 1
    assert [h["key"] for h in listed["results"][0]["headline"]] == ["baseline", "candidate-1"]
    response = viewer.get(url(image_project, f"{experiment.pk}/per-class-metrics/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["run"], r["class"]) for r in rows] == [
        ("baseline", "cat"),
        ("baseline", "dog"),
        ("candidate-1", "cat"),
        ("candidate-1", "dog"),
    ]
    first = body["results"]["runs"][0]["per_class"][0]
    assert float(rows[0]["f1"]) == pytest.approx(first["f1"])
    assert int(rows[0]["support"]) == first["support"] == 2


def test_cancel_a_queued_experiment_then_rerun_it(manager_api, image_project, job):
    created = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk]}], "seed": 5}).data
    cancelled = manager_api.post(url(image_project, f"{created['id']}/cancel/"))
    assert cancelled.status_code == 200
    assert (cancelled.data["status"], cancelled.data["cancel_requested"]) == ("cancelled", True)
    runs.run_experiment(created["id"])  # the queued message still arrives: nothing happens
    assert Experiment.objects.get(pk=created["id"]).status == JobStatus.CANCELLED
    assert manager_api.post(url(image_project, f"{created['id']}/cancel/")).status_code == 409
    again = manager_api.post(url(image_project, f"{created['id']}/rerun/"))
    assert again.status_code == 201, again.data
    assert (again.data["rerun_of"], again.data["seed"], again.data["candidates"]) == (
        created["id"],
        5,
        [{"label": "", "jobs": [job.pk]}],
    )


def test_a_running_experiment_cannot_be_rerun_yet(manager_api, image_project, job):
    created = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk]}]}).data
    response = manager_api.post(url(image_project, f"{created['id']}/rerun/"))
    assert response.status_code == 409


# --- permissions -------------------------------------------------------------------------------------------------


def test_outsiders_get_404_for_everything(client_for, image_project, job):
    experiment = post(client_for(image_project.created_by), image_project, {"candidates": [{"jobs": [job.pk]}]}).data
    outsider = client_for(UserFactory())
    assert outsider.get(url(image_project)).status_code == 404
    assert outsider.get(url(image_project, f"{experiment['id']}/")).status_code == 404
    assert post(outsider, image_project, {"candidates": [{"jobs": [job.pk]}]}).status_code == 404
    assert outsider.post(url(image_project, f"{experiment['id']}/cancel/")).status_code == 404


def test_an_experiment_of_another_project_is_404(manager_api, manager, image_project, job):
    experiment = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk]}]}).data
    other = make_project(manager=manager, name="Other", kinds=("image_class",), classes=CLASSES)
    assert manager_api.get(url(other, f"{experiment['id']}/")).status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.REVIEWER])
def test_only_managers_start_cancel_or_rerun(client_for, image_project, job, role):
    experiment = post(client_for(image_project.created_by), image_project, {"candidates": [{"jobs": [job.pk]}]}).data
    member = client_for(add_member(image_project, role))
    response = post(member, image_project, {"candidates": [{"jobs": [job.pk]}]})
    assert response.status_code == 403
    assert response.data["detail"] == "Only managers of this project can do this."
    assert member.post(url(image_project, f"{experiment['id']}/cancel/")).status_code == 403
    assert member.post(url(image_project, f"{experiment['id']}/rerun/")).status_code == 403
    assert member.get(url(image_project, f"{experiment['id']}/")).status_code == 200
    assert Experiment.objects.count() == 1


# --- bad input -------------------------------------------------------------------------------------------------


def test_an_empty_evaluation_split_names_the_field(manager_api, image_project, job):
    response = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk]}], "evaluation_split": "test"})
    assert_400(response, "evaluation_split", "test split", "is empty")


def test_evaluating_on_the_training_split_is_refused(manager_api, image_project, job):
    response = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk]}], "evaluation_split": "train"})
    assert_400(response, "evaluation_split", "is the training split")


def test_a_candidate_version_or_job_of_another_project_is_refused(manager_api, manager, image_project, job):
    other = make_project(manager=manager, name="Other", kinds=("image_class",), classes=CLASSES)
    other_version = working_version(default_dataset(other))
    response = post(manager_api, image_project, {"candidates": [{"version": other_version.pk}]})
    assert_400(response, "candidates[0].version", f"No ready dataset version with id {other_version.pk}")
    response = post(manager_api, other, {"candidates": [{"jobs": [job.pk]}]})
    assert response.status_code in (400, 404)


def test_a_job_of_another_project_is_refused_by_id(manager_api, manager, image_project, job):
    other = make_project(manager=manager, name="Other", kinds=("image_class",), classes=CLASSES)
    for seed, name in enumerate(["cat", "dog", "cat", "dog"]):
        labelled_image(other, name, split="train" if seed < 2 else "val", seed=50 + seed)
    response = post(manager_api, other, {"candidates": [{"jobs": [job.pk]}]})
    assert_400(response, "candidates[0].jobs", f"No augmentation job with id {job.pk} in this project")


def test_a_job_that_has_not_completed_is_refused(manager_api, image_project, manager, pipeline):
    queued = jobs.launch_job(project=image_project, user=manager, pipeline=pipeline)
    response = post(manager_api, image_project, {"candidates": [{"jobs": [queued.pk]}]})
    assert_400(response, "candidates[0].jobs", "is queued", "only completed jobs")


def test_a_candidate_must_be_a_version_or_jobs_not_both(manager_api, image_project, job):
    response = post(manager_api, image_project, {"candidates": [{"jobs": [job.pk], "version": job.output_version_id}]})
    assert_400(response, "candidates[0].version", "either")


def test_nothing_to_compare_is_refused(manager_api, image_project):
    assert_400(post(manager_api, image_project, {}), "candidates", "Nothing to compare")


def test_a_project_without_classes_or_boxes_cannot_have_experiments(manager_api, manager):
    spans = make_project(manager=manager, name="Spans", kinds=("text_span",), classes=CLASSES)
    assert_400(
        post(manager_api, spans, {"candidates": [{"version": 1}]}), "kind", "image classes, text classes or boxes"
    )


def test_a_kind_the_project_does_not_use_is_refused(manager_api, image_project, job):
    response = post(manager_api, image_project, {"kind": "text_classification", "candidates": [{"jobs": [job.pk]}]})
    assert_400(response, "kind", "text class labels")


def test_a_model_of_another_kind_is_refused(manager_api, image_project, job):
    response = post(manager_api, image_project, {"model": "naive_bayes", "candidates": [{"jobs": [job.pk]}]})
    assert_400(response, "model", "not offered for image classification", "logreg")


def test_a_version_whose_items_are_not_classified_is_refused(manager_api, manager):
    project = make_project(manager=manager, name="Boxes too", kinds=("image_class", "bbox"), classes=CLASSES)
    cat = project.classes.get(name="cat").pk
    for seed in range(4):
        annotate(add_image(project, split="train" if seed < 2 else "val", seed=seed), [box(cat, 2, 2, 10, 10)])
    response = post(manager_api, project, {"kind": "image_classification", "candidates": [{"version": 1}]})
    assert_400(response, "training_version", "has an image class", "labelled with an image class")


def test_training_data_with_a_single_class_is_refused(manager_api, manager):
    project = make_project(manager=manager, name="Cats", kinds=("image_class",), classes=CLASSES)
    for seed in range(4):
        labelled_image(project, "cat", split="train" if seed < 2 else "val", seed=seed)
    version = working_version(default_dataset(project)).pk
    response = post(manager_api, project, {"candidates": [{"version": version}]})
    assert_400(response, "training_split", "only one class", "at least two")


def test_an_evaluation_version_with_augmented_items_is_refused(manager_api, manager, image_project, pipeline):
    leaky = run_job(
        jobs.launch_job(project=image_project, user=manager, pipeline=pipeline, selection={"splits": ["train", "val"]})
    )
    response = post(
        manager_api,
        image_project,
        {"evaluation_version": leaky.output_version_id, "candidates": [{"version": leaky.output_version_id}]},
    )
    assert_400(response, "evaluation_version", "contains 4 augmented items", "never augmented")


def test_a_candidate_sharing_items_with_the_evaluation_split_is_refused(manager_api, image_project, job):
    version = working_version(default_dataset(image_project))
    source = job.outputs.order_by("source_item_id").first().source_item_id
    assign_split(version=version, item_ids=[source], split="val")  # moved to val after it was augmented
    response = post(manager_api, image_project, {"candidates": [{"version": job.output_version_id}]})
    assert_400(response, "candidates[0]", "1 item is both in v2", "and in the evaluation split")


def test_a_candidate_with_copies_of_evaluation_items_is_refused(manager_api, manager, image_project, pipeline):
    copies_only = run_job(
        jobs.launch_job(project=image_project, user=manager, pipeline=pipeline, include_originals=False)
    )
    source = copies_only.outputs.order_by("source_item_id").first().source_item_id
    assign_split(version=working_version(default_dataset(image_project)), item_ids=[source], split="val")
    response = post(manager_api, image_project, {"candidates": [{"version": copies_only.output_version_id}]})
    assert_400(response, "candidates[0]", "1 augmented item of v2", "made from evaluation items")


def test_dose_settings_are_checked(manager_api, manager, image_project, job, pipeline):
    text_pipeline = create_pipeline(
        project=image_project,
        user=manager,
        name="noise",
        config={"seed": 0, "steps": [{"type": "CharacterNoise", "p": 1.0}]},
    )
    response = post(manager_api, image_project, {"dose": {"pipeline": text_pipeline.pk}})
    assert_400(response, "dose.pipeline", "transforms texts", "about images")
    assert_400(post(manager_api, image_project, {"dose": {"pipeline": 999999}}), "dose.pipeline", "No pipeline")
    response = post(manager_api, image_project, {"dose": {"pipeline": pipeline.pk, "copies": [0]}})
    assert_400(response, "dose.copies", "at least one level above 0")
    response = post(manager_api, image_project, {"dose": {"pipeline": pipeline.pk, "copies": [0, 99]}})
    assert_400(response, "dose.copies[1]", "less than or equal to 50")


def test_unknown_fields_and_out_of_range_numbers_are_refused(manager_api, image_project, job):
    assert_400(post(manager_api, image_project, {"candidate": []}), "candidate", "Unknown field")
    assert_400(post(manager_api, image_project, {"resamples": 5, "candidates": [{"jobs": [job.pk]}]}), "resamples")
    assert_400(post(manager_api, image_project, {"seed": 2**40, "candidates": [{"jobs": [job.pk]}]}), "seed")
    assert Experiment.objects.count() == 0
