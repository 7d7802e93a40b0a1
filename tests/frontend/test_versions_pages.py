"""Dataset versions in the pages: the Items page's version selector and the item page's version and provenance."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from augmentation.models import AugmentationJob
from projects.models import Item, ItemKind, Role
from tests.factories import UserFactory, add_member, make_image_item, make_project

pytestmark = pytest.mark.django_db


def items_page(client, user, project, query: str = "") -> str:
    client.force_login(user)
    response = client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk}) + query)
    assert response.status_code == 200
    return response.content.decode()


def item_page(client, user, item, query: str = "") -> str:
    client.force_login(user)
    url = reverse("frontend:item-detail", kwargs={"project_id": item.project_id, "item_id": item.pk})
    response = client.get(url + query)
    assert response.status_code == 200
    return response.content.decode()


def version_options(html: str) -> list[tuple[str, bool]]:
    select = html.split('id="gallery-version"', 1)[1].split("</select>", 1)[0]
    return [(value, " selected" in rest) for value, rest in re.findall(r'<option value="(\d+)"([^>]*)>', select)]


def test_the_version_selector_lists_ready_versions_with_the_working_one_chosen(client, manager, project, augmented):
    working, made = augmented["working"], augmented["version"]
    html = items_page(client, manager, project)
    assert version_options(html) == [(str(working.pk), True), (str(made.pk), False)]
    assert f'data-default-version="{working.pk}"' in html
    assert "v1 (working) · 3 items" in html
    assert f"v2 “{made.name}” · 9 items" in html


def test_the_address_chooses_the_version_and_a_foreign_or_unknown_one_falls_back(client, manager, project, augmented):
    working, made = augmented["working"], augmented["version"]
    assert version_options(items_page(client, manager, project, f"?version={made.pk}")) == [
        (str(working.pk), False),
        (str(made.pk), True),
    ]
    other = make_project(manager=manager, name="Other")
    other_version = other.datasets.get().versions.get()
    for query in (f"?version={other_version.pk}", "?version=abc", "?version="):
        assert version_options(items_page(client, manager, project, query))[0] == (str(working.pk), True), query


def test_a_version_still_being_built_is_not_offered(client, manager, project, augmented):
    from augmentation.services import jobs

    building = jobs.launch_job(project=project, user=manager, pipeline=augmented["job"].pipeline)
    options = [value for value, _ in version_options(items_page(client, manager, project))]
    assert str(building.output_version.pk) not in options
    assert len(options) == 2


def test_frozen_versions_say_which_job_made_them(client, manager, project, augmented):
    job = augmented["job"]
    html = items_page(client, manager, project)
    job_url = reverse("frontend:job-detail", kwargs={"project_id": project.pk, "job_id": job.pk})
    assert re.search(rf'data-working="false"[^>]*data-job="{job.pk}" data-job-url="{job_url}"', html)
    assert 'id="frozen-note"' in html


def test_the_export_button_carries_the_version_and_is_hidden_from_annotators(client, manager, project, augmented):
    made = augmented["version"]
    exports = reverse("frontend:exports", kwargs={"project_id": project.pk})
    assert f'href="{exports}?version={made.pk}"' in items_page(client, manager, project, f"?version={made.pk}")
    assert f'href="{exports}"' in items_page(client, manager, project)
    assert 'id="export-link"' not in items_page(client, add_member(project, Role.ANNOTATOR), project)
    assert 'id="export-link"' in items_page(client, add_member(project, Role.VIEWER), project)


def test_an_augmented_item_page_shows_its_provenance_with_links(client, manager, project, augmented):
    output = augmented["outputs"][0]
    source = output.source_item
    job = augmented["job"]
    html = item_page(client, manager, output)
    source_url = reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": source.pk})
    job_url = reverse("frontend:job-detail", kwargs={"project_id": project.pk, "job_id": job.pk})
    provenance = html.split('id="item-provenance"', 1)[1].split("</dl>", 1)[0]
    assert f'<a href="{source_url}">street-' in provenance
    assert f'<a href="{job_url}">Job {job.pk}</a>' in provenance
    assert '<dd dir="auto">mirror</dd>' in provenance
    assert "<dt>Seed</dt><dd>11</dd>" in provenance
    assert f"<dt>Copy index</dt><dd>{output.provenance['copy_index']}</dd>" in provenance
    assert "HorizontalFlip" in provenance


def test_an_augmented_item_is_shown_in_its_version_even_without_one_in_the_address(client, manager, project, augmented):
    # Augmented items are in no working version: the page must ask the API for them in theirs.
    made = augmented["version"]
    output = augmented["outputs"][0]
    html = item_page(client, manager, output)
    assert f'data-item-api="/api/v1/projects/{project.pk}/items/{output.pk}/?version={made.pk}"' in html
    assert f'href="/projects/{project.pk}/?version={made.pk}">Items of v2' in html
    assert f'data-version="{made.pk}"' in html
    # A frozen version's split cannot change, so managers get no split form there.
    assert 'id="item-split-form"' not in html
    assert client.get(f"/api/v1/projects/{project.pk}/items/{output.pk}/?version={made.pk}").status_code == 200


def test_an_original_item_is_shown_in_the_working_version_unless_another_is_asked_for(
    client, manager, project, augmented
):
    source, made = augmented["sources"][0], augmented["version"]
    html = item_page(client, manager, source)
    assert f'data-item-api="/api/v1/projects/{project.pk}/items/{source.pk}/"' in html
    assert 'id="item-split-form"' in html
    assert 'id="item-provenance"' not in html
    html = item_page(client, manager, source, f"?version={made.pk}")
    assert f'data-item-api="/api/v1/projects/{project.pk}/items/{source.pk}/?version={made.pk}"' in html


def test_provenance_naming_another_projects_job_and_item_links_to_neither(client, manager, project, augmented):
    # Tandem JSON imports keep provenance as exported: its ids may belong to another project.
    other = make_project(name="Elsewhere")
    missing_job = AugmentationJob.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    foreign_item = make_image_item(other)
    item = make_image_item(project, name="imported.png")
    Item.objects.filter(pk=item.pk).update(
        provenance={"job": missing_job, "source_item": foreign_item.pk, "seed": 3, "copy_index": 0}
    )
    provenance = item_page(client, manager, item).split('id="item-provenance"', 1)[1].split("</dl>", 1)[0]
    assert "<a " not in provenance
    assert f"item {foreign_item.pk} (no longer in this project)" in provenance
    assert "(not in this project)" in provenance


def test_item_pages_stay_404_for_outsiders(client, project, augmented):
    client.force_login(UserFactory())
    output = augmented["outputs"][0]
    url = reverse("frontend:item-detail", kwargs={"project_id": project.pk, "item_id": output.pk})
    assert client.get(url + f"?version={augmented['version'].pk}").status_code == 404
    assert client.get(reverse("frontend:project-detail", kwargs={"project_id": project.pk})).status_code == 404


def test_an_item_in_no_ready_version_says_so_instead_of_failing_to_load(client, manager, project):
    loose = Item.objects.create(
        project=project, dataset=project.datasets.get(), kind=ItemKind.TEXT, text="hi", sha256="0" * 64
    )
    assert "not ready yet" in item_page(client, manager, loose)
