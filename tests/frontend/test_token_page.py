"""The API token page: shows, creates and regenerates the user's token."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

URL = "/account/token/"


def test_token_page_url_is_stable():
    assert reverse("frontend:api-token") == URL


def test_viewing_the_page_does_not_create_a_token(client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Create token" in response.content.decode()
    assert not Token.objects.filter(user=manager).exists()


def test_post_creates_a_token_and_the_page_shows_it(client, manager):
    client.force_login(manager)
    response = client.post(URL)
    assert response.status_code == 302
    token = Token.objects.get(user=manager)
    html = client.get(URL).content.decode()
    assert token.key in html
    assert "Regenerate token" in html


def test_post_again_replaces_the_token_and_the_old_one_stops_working(client, api, manager):
    client.force_login(manager)
    client.post(URL)
    old_key = Token.objects.get(user=manager).key
    client.post(URL)
    new_key = Token.objects.get(user=manager).key
    assert new_key != old_key
    refused = api.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {old_key}")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Invalid token."
    assert api.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {new_key}").status_code == 200


def test_token_page_is_not_cached(client, manager):
    client.force_login(manager)
    assert "no-store" in client.get(URL)["Cache-Control"]


def test_token_post_needs_the_csrf_token(manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(URL).status_code == 403
    assert not Token.objects.filter(user=manager).exists()
