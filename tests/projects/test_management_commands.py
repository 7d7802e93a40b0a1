"""create_demo and create_api_token, as `make run` and API users call them."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.management.commands.create_demo import DEMO_PROJECT_NAME, DEMO_USERNAME, SENTENCES
from projects.models import Item, ItemKind, Project, Role, Upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"with password: (\S+)")


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_demo_prints_a_password_that_logs_the_demo_user_in():
    output = run("create_demo")

    password = PASSWORD_LINE.search(output).group(1)
    assert authenticate(username=DEMO_USERNAME, password=password) is not None


def test_create_demo_makes_the_demo_user_manager_of_a_project_with_images_and_sentences():
    run("create_demo")

    project = Project.objects.get(name=DEMO_PROJECT_NAME)
    assert project.memberships.get(user__username=DEMO_USERNAME).role == Role.MANAGER
    images = Item.objects.filter(project=project, kind=ItemKind.IMAGE)
    assert images.count() == 12
    assert sorted(Item.objects.filter(project=project, kind=ItemKind.TEXT).values_list("text", flat=True)) == sorted(
        SENTENCES
    )
    with images.first().file.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (images.first().width, images.first().height)


def test_create_demo_items_come_through_the_upload_service():
    run("create_demo")

    upload = Upload.objects.get(project__name=DEMO_PROJECT_NAME)
    assert (upload.accepted, upload.duplicates, upload.rejected) == (12 + len(SENTENCES), 0, 0)


def test_create_demo_images_are_not_all_the_same():
    run("create_demo")

    hashes = Item.objects.filter(kind=ItemKind.IMAGE).values_list("sha256", flat=True)
    assert len(set(hashes)) == 12


def test_second_create_demo_creates_nothing_and_shows_no_password():
    run("create_demo")
    counts = (get_user_model().objects.count(), Project.objects.count(), Item.objects.count(), Upload.objects.count())

    output = run("create_demo")

    assert counts == (
        get_user_model().objects.count(),
        Project.objects.count(),
        Item.objects.count(),
        Upload.objects.count(),
    )
    assert PASSWORD_LINE.search(output) is None
    assert f"manage.py changepassword {DEMO_USERNAME}" in output


def test_create_demo_keeps_the_password_of_an_existing_demo_user():
    user = UserFactory(username=DEMO_USERNAME)
    password_hash = user.password

    run("create_demo")

    user.refresh_from_db()
    assert user.password == password_hash


def test_create_api_token_prints_a_token_that_authenticates_the_user():
    user = UserFactory(username="alice")

    key = run("create_api_token", "alice").strip()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/projects/").status_code == 200
    assert Token.objects.get(key=key).user == user


def test_create_api_token_prints_the_same_token_when_it_exists():
    UserFactory(username="alice")

    assert run("create_api_token", "alice") == run("create_api_token", "alice")


def test_create_api_token_regenerate_replaces_the_old_token():
    UserFactory(username="alice")
    old_key = run("create_api_token", "alice").strip()

    new_key = run("create_api_token", "alice", "--regenerate").strip()

    assert new_key != old_key
    assert not Token.objects.filter(key=old_key).exists()


def test_create_api_token_for_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("create_api_token", "nobody")
