import pytest

from projects.models import DatasetVersion, Role
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.django_db


def test_created_project_has_manager_dataset_and_working_version(manager_api, manager):
    response = manager_api.post(
        "/api/v1/projects/",
        {
            "name": "Birds",
            "kinds": ["bbox", "image_class"],
            "classes": [{"name": "sparrow", "color": "#AABBCC", "hotkey": "s"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["my_role"] == Role.MANAGER
    assert body["classes"][0]["color"] == "#aabbcc"
    version = DatasetVersion.objects.get(dataset__project_id=body["id"])
    assert version.is_working and version.number == 1


def test_unknown_kind_is_rejected_with_the_choices_named(manager_api):
    response = manager_api.post("/api/v1/projects/", {"name": "X", "kinds": ["cuboid"]}, format="json")
    assert response.status_code == 400
    assert "cuboid" in response.data["errors"]["kinds"][0]
    assert "bbox" in response.data["errors"]["kinds"][0]


def test_unknown_field_is_an_error(manager_api):
    response = manager_api.post("/api/v1/projects/", {"name": "X", "kinds": ["bbox"], "colour": 1}, format="json")
    assert response.status_code == 400
    assert response.data["errors"] == {"colour": ["Unknown field."]}


def test_list_shows_only_my_projects(client_for):
    mine = make_project(name="mine")
    make_project(name="theirs")
    user = mine.memberships.get().user
    response = client_for(user).get("/api/v1/projects/")
    assert [p["name"] for p in response.data["results"]] == ["mine"]


def test_project_of_another_user_answers_404_not_403(client_for, project):
    stranger = UserFactory()
    response = client_for(stranger).get(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 404
    assert client_for(stranger).get(f"/api/v1/projects/{project.pk}/items/").status_code == 404


def test_viewer_cannot_edit_project(client_for, project):
    viewer = add_member(project, Role.VIEWER)
    response = client_for(viewer).patch(f"/api/v1/projects/{project.pk}/", {"name": "new"}, format="json")
    assert response.status_code == 403
    assert "managers" in response.data["detail"]


def test_renaming_a_class_keeps_its_id(manager_api, project):
    cat = project.classes.get(name="cat")
    response = manager_api.patch(f"/api/v1/projects/{project.pk}/classes/{cat.pk}/", {"name": "kitten"}, format="json")
    assert response.status_code == 200
    assert response.data["id"] == cat.pk and response.data["name"] == "kitten"


def test_duplicate_class_name_is_a_conflict(manager_api, project):
    response = manager_api.post(
        f"/api/v1/projects/{project.pk}/classes/", {"name": "cat", "color": "#000000"}, format="json"
    )
    assert response.status_code == 409
    assert "cat" in response.data["detail"]


def test_last_manager_cannot_leave(manager_api, project, manager):
    membership = project.memberships.get(user=manager)
    response = manager_api.delete(f"/api/v1/projects/{project.pk}/members/{membership.pk}/")
    assert response.status_code == 409
