"""The upload endpoint: permissions, options, status codes, stored reports and the schema."""

from __future__ import annotations

import pytest

from projects import services
from projects.models import Item, Role, Upload, VersionItem
from tests.factories import UserFactory, add_member, make_project
from tests.projects.hostile import HTML, image_bytes, jpeg_bytes, line_for, post_files, upload_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.REVIEWER])
def test_only_managers_may_upload(client_for, project, role):
    member = add_member(project, role)
    response = post_files(client_for(member), project, [("a.png", image_bytes())])
    assert response.status_code == 403
    assert not Item.objects.filter(project=project).exists()


def test_non_members_get_404_on_upload_and_reports(client_for, project):
    stranger = client_for(UserFactory())
    assert post_files(stranger, project, [("a.png", image_bytes())]).status_code == 404
    assert stranger.get(upload_url(project)).status_code == 404


def test_members_can_read_past_uploads_with_their_reports(manager_api, client_for, project):
    created = post_files(manager_api, project, [("a.png", image_bytes()), ("b.jpg", HTML)])
    viewer = client_for(add_member(project, Role.VIEWER))
    listing = viewer.get(upload_url(project))
    assert listing.status_code == 200
    assert [upload["id"] for upload in listing.data["results"]] == [created.data["id"]]
    detail = viewer.get(f"{upload_url(project)}{created.data['id']}/")
    assert detail.data["report"] == created.data["report"]
    assert (detail.data["accepted"], detail.data["rejected"], detail.data["duplicates"]) == (1, 1, 0)


def test_upload_of_another_project_is_404(manager_api, project, manager):
    other = make_project(manager=manager, name="Other")
    created = post_files(manager_api, other, [("a.png", image_bytes())])
    assert manager_api.get(f"{upload_url(project)}{created.data['id']}/").status_code == 404


def test_failed_upload_is_still_stored_with_its_report(manager_api, project):
    response = post_files(manager_api, project, [("x.jpg", HTML)])
    upload = Upload.objects.get(pk=response.data["id"])
    assert upload.rejected == 1 and upload.report[0]["name"] == "x.jpg"
    assert response.data["errors"] == {} and "Nothing was imported" in response.data["detail"]


def test_mix_of_rejections_and_no_acceptance_answers_400(manager_api, project):
    response = post_files(manager_api, project, [("x.jpg", HTML), ("cut.png", image_bytes()[:40])])
    assert response.status_code == 400


def test_unknown_option_is_a_400_naming_it(manager_api, project):
    response = post_files(manager_api, project, [("a.png", image_bytes())], folder_classes="true")
    assert response.status_code == 400
    assert response.data["errors"] == {"folder_classes": ["Unknown field."]}
    assert not Item.objects.exists()


def test_missing_files_field_is_a_400(manager_api, project):
    response = manager_api.post(upload_url(project), {"split": "train"}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.data["errors"]


def test_json_body_is_unsupported_media_type(manager_api, project):
    response = manager_api.post(upload_url(project), {"files": []}, format="json")
    assert response.status_code == 415


def test_invalid_split_is_a_400(manager_api, project):
    response = post_files(manager_api, project, [("a.png", image_bytes())], split="holdout")
    assert response.status_code == 400 and "split" in response.data["errors"]


def test_items_go_to_the_named_dataset_with_the_split(manager_api, project, manager):
    dataset = services.create_dataset(project=project, name="extra", user=manager)
    response = post_files(manager_api, project, [("a.jpg", jpeg_bytes(1))], dataset=str(dataset.pk), split="train")
    item = Item.objects.get(pk=response.data["report"][0]["item"])
    assert item.dataset == dataset
    entry = VersionItem.objects.get(item=item)
    assert entry.version.dataset == dataset and entry.version.is_working and entry.split == "train"


def test_dataset_of_another_project_is_a_400(manager_api, project, manager):
    other = make_project(manager=manager, name="Other")
    response = post_files(manager_api, project, [("a.png", image_bytes())], dataset=str(other.datasets.get().pk))
    assert response.status_code == 400 and "dataset" in response.data["errors"]


def test_items_default_to_the_working_version_without_split(manager_api, project):
    response = post_files(manager_api, project, [("a.png", image_bytes())])
    entry = VersionItem.objects.get(item_id=response.data["report"][0]["item"])
    assert entry.version.is_working and entry.version.dataset.name == "default" and entry.split == ""


def test_too_many_files_in_one_request_is_a_json_400(manager_api, project, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = post_files(manager_api, project, [(f"{i}.jpg", jpeg_bytes(i)) for i in range(3)])
    assert response.status_code == 400
    assert "ZIP" in response.json()["detail"]


def test_request_over_the_size_limit_answers_413_before_reading(manager_api, project, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = post_files(manager_api, project, [("a.jpg", jpeg_bytes(1, size=(200, 200)))])
    assert response.status_code == 413
    assert not Upload.objects.exists()


def test_uploads_are_listed_newest_first(manager_api, project):
    first = post_files(manager_api, project, [("a.jpg", jpeg_bytes(1))])
    second = post_files(manager_api, project, [("b.jpg", jpeg_bytes(2))])
    listing = manager_api.get(upload_url(project))
    assert [upload["id"] for upload in listing.data["results"]] == [second.data["id"], first.data["id"]]


def test_uploader_is_recorded(manager_api, project, manager):
    response = post_files(manager_api, project, [("a.png", image_bytes())])
    assert Item.objects.get(pk=response.data["report"][0]["item"]).uploaded_by == manager
    assert Upload.objects.get(pk=response.data["id"]).created_by == manager


def test_schema_documents_the_upload_statuses(manager_api):
    response = manager_api.get("/api/schema/?format=json")
    operation = response.json()["paths"]["/api/v1/projects/{project_pk}/uploads/"]["post"]
    assert {"201", "200", "400", "413", "415"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_one_bad_file_does_not_stop_the_good_ones_in_the_same_request(manager_api, project):
    files = [("1.jpg", jpeg_bytes(1)), ("bad.jpg", HTML), ("2.jpg", jpeg_bytes(2))]
    response = post_files(manager_api, project, files)
    assert [line["status"] for line in response.data["report"]] == ["accepted", "rejected", "accepted"]
    assert line_for(response, "2.jpg")["item"] is not None
