"""Pipelines through the API: save, validate (every problem at once), import, export, catalog and presets."""

from __future__ import annotations

import json

import albumentations as A
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from augmentation.engine import PRESETS
from augmentation.models import Pipeline
from tests.augmentation.conftest import FIVE_STEPS

pytestmark = pytest.mark.django_db


def url(project, suffix: str = "") -> str:
    return f"/api/v1/projects/{project.pk}/pipelines/{suffix}"


BROKEN = {
    "steps": [
        {"type": "Rotate", "limit": 300},
        {"type": "HorizontalFlp"},
        {"type": "one_of", "steps": [{"type": "GaussianBlur", "p": 2}]},
    ]
}


def test_saving_a_pipeline_fills_in_the_engine_defaults(manager_api, project):
    response = manager_api.post(url(project), {"name": "flip", "config": {"steps": [{"type": "HorizontalFlip"}]}})
    assert response.status_code == 201, response.data
    assert response.data["config"] == {
        "seed": 0,
        "min_visibility": 0.0,
        "steps": [{"type": "HorizontalFlip", "p": 1.0}],
    }
    assert response.data["target"] == "image"
    assert response.data["created_by_name"] == "manager"


def test_an_invalid_pipeline_answers_400_with_every_problem_by_path(manager_api, project):
    response = manager_api.post(url(project), {"name": "broken", "config": BROKEN})
    assert response.status_code == 400
    errors = response.data["errors"]
    assert set(errors) == {"config.steps[0].limit", "config.steps[1].type", "config.steps[2].steps[0].p"}
    assert "between 0 and 180" in errors["config.steps[0].limit"][0]
    assert "did you mean HorizontalFlip" in errors["config.steps[1].type"][0]
    assert response.data["detail"].startswith("config.steps[0].limit")
    assert not Pipeline.objects.exists()


def test_a_pipeline_can_start_from_a_preset(manager_api, project):
    response = manager_api.post(url(project), {"name": "photos", "preset": "natural_photos"})
    assert response.status_code == 201, response.data
    assert response.data["preset"] == "natural_photos"
    assert [s["type"] for s in response.data["config"]["steps"]] == [
        s["type"] for s in PRESETS["natural_photos"].config["steps"]
    ]


def test_an_unknown_preset_is_refused(manager_api, project):
    response = manager_api.post(url(project), {"name": "x", "preset": "underwater"})
    assert response.status_code == 400
    assert "natural_photos" in response.data["errors"]["preset"][0]


def test_two_pipelines_of_a_project_cannot_share_a_name(manager_api, project):
    manager_api.post(url(project), {"name": "flip", "config": FIVE_STEPS})
    response = manager_api.post(url(project), {"name": "flip", "config": FIVE_STEPS})
    assert response.status_code == 409
    assert response.data["errors"] == {"name": [response.data["detail"]]}


def test_updating_with_a_broken_config_changes_nothing(manager_api, project, make_pipeline):
    pipeline = make_pipeline()
    response = manager_api.patch(url(project, f"{pipeline.pk}/"), {"config": BROKEN})
    assert response.status_code == 400
    assert len(response.data["errors"]) == 3
    pipeline.refresh_from_db()
    assert pipeline.config["steps"][0]["type"] == "HorizontalFlip"


def test_renaming_keeps_the_config(manager_api, project, make_pipeline):
    pipeline = make_pipeline()
    response = manager_api.patch(url(project, f"{pipeline.pk}/"), {"name": "mirror"})
    assert response.status_code == 200
    assert (response.data["name"], response.data["config"]) == ("mirror", pipeline.config)


def test_unknown_fields_are_refused(manager_api, project):
    response = manager_api.post(url(project), {"name": "x", "config": FIVE_STEPS, "colour": "red"})
    assert response.status_code == 400
    assert response.data["errors"] == {"colour": ["Unknown field."]}


def test_validate_reports_problems_without_saving(manager_api, project):
    response = manager_api.post(url(project, "validate/"), {"config": BROKEN})
    assert response.status_code == 200
    assert response.data["valid"] is False
    assert len(response.data["errors"]) == 3
    ok = manager_api.post(url(project, "validate/"), {"config": FIVE_STEPS})
    assert (ok.data["valid"], ok.data["target"], ok.data["errors"]) == (True, "image", {})
    assert not Pipeline.objects.exists()


def albumentations_dict() -> dict:
    compose = A.Compose(
        [A.HorizontalFlip(p=0.5), A.Rotate(limit=20, p=0.7)],
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], min_visibility=0.2),
    )
    return A.to_dict(compose)


def test_an_albumentations_pipeline_is_imported_from_json(manager_api, project):
    response = manager_api.post(url(project, "import/"), {"name": "from albu", "data": albumentations_dict()})
    assert response.status_code == 201, response.data
    config = response.data["config"]
    assert [(s["type"], s["p"]) for s in config["steps"]] == [("HorizontalFlip", 0.5), ("Rotate", 0.7)]
    assert config["steps"][1]["limit"] == [-20.0, 20.0]
    assert config["min_visibility"] == 0.2


def test_an_albumentations_pipeline_is_imported_from_an_uploaded_file(manager_api, project):
    upload = SimpleUploadedFile("pipeline.json", json.dumps(albumentations_dict()).encode(), "application/json")
    response = manager_api.post(url(project, "import/"), {"name": "uploaded", "file": upload}, format="multipart")
    assert response.status_code == 201, response.data
    assert [s["type"] for s in response.data["config"]["steps"]] == ["HorizontalFlip", "Rotate"]


def test_our_own_json_is_imported_from_a_file(manager_api, project):
    upload = SimpleUploadedFile("ours.json", json.dumps(FIVE_STEPS).encode(), "application/json")
    response = manager_api.post(url(project, "import/"), {"name": "ours", "file": upload}, format="multipart")
    assert response.status_code == 201, response.data
    assert response.data["config"]["seed"] == FIVE_STEPS["seed"]


def test_an_albumentations_transform_without_equivalent_is_named_in_the_error(manager_api, project):
    data = A.to_dict(A.Compose([A.HorizontalFlip(p=1), A.RandomFog(p=1)]))
    response = manager_api.post(url(project, "import/"), {"name": "elastic", "data": data})
    assert response.status_code == 400
    assert list(response.data["errors"]) == ["data.transform.transforms[1]"]
    assert "RandomFog" in response.data["errors"]["data.transform.transforms[1]"][0]


def test_a_file_that_is_not_json_is_refused(manager_api, project):
    upload = SimpleUploadedFile("pipeline.json", b"steps: [flip]", "application/json")
    response = manager_api.post(url(project, "import/"), {"name": "yaml", "file": upload}, format="multipart")
    assert response.status_code == 400
    assert "not JSON" in response.data["errors"]["file"][0]


def test_export_to_albumentations_loads_in_albumentations(manager_api, project, make_pipeline):
    pipeline = make_pipeline(FIVE_STEPS, name="five")
    response = manager_api.get(url(project, f"{pipeline.pk}/albumentations/"))
    assert response.status_code == 200
    compose = A.from_dict(response.data)
    assert [type(t).__name__ for t in compose.transforms] == [s["type"] for s in FIVE_STEPS["steps"]]


def test_deleting_a_pipeline_leaves_its_jobs_with_their_frozen_copy(
    manager_api, project, launch, make_pipeline, labelled_images
):
    pipeline = make_pipeline()
    job = launch(pipeline)
    assert manager_api.delete(url(project, f"{pipeline.pk}/")).status_code == 204
    job.refresh_from_db()
    assert job.pipeline is None
    assert (job.pipeline_name, job.pipeline_config["steps"][0]["type"]) == ("flip", "HorizontalFlip")


def test_the_catalog_describes_parameters_with_their_ranges(manager_api):
    response = manager_api.get("/api/v1/augmentation/catalog/")
    assert response.status_code == 200
    rotate = next(t for t in response.data["transforms"] if t["name"] == "Rotate")
    limit = next(p for p in rotate["params"] if p["name"] == "limit")
    assert (limit["min"], limit["max"]) == (-180, 180)
    assert {"one_of", "some_of"} <= {t["name"] for t in response.data["transforms"]}


def test_presets_are_listed_with_their_reasoning(manager_api):
    response = manager_api.get("/api/v1/augmentation/presets/")
    assert response.status_code == 200
    names = {preset["name"] for preset in response.data["presets"]}
    assert names == set(PRESETS)
    assert all(preset["why"] for preset in response.data["presets"])


def test_the_catalog_needs_a_signed_in_user(api):
    assert api.get("/api/v1/augmentation/catalog/").status_code in (401, 403)


def test_convert_turns_albumentations_json_into_ours_without_saving(manager_api, project):
    response = manager_api.post(url(project, "convert/"), {"data": albumentations_dict()})
    assert response.status_code == 200, response.data
    assert [s["type"] for s in response.data["config"]["steps"]] == ["HorizontalFlip", "Rotate"]
    assert response.data["target"] == "image"
    assert not Pipeline.objects.exists()


def test_convert_reports_every_problem_of_our_json(manager_api, project):
    response = manager_api.post(url(project, "convert/"), {"data": BROKEN})
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"data.steps[0].limit", "data.steps[1].type", "data.steps[2].steps[0].p"}
