"""In a real browser: export COCO from the Exports page, follow a background export to its file, import with a
dry run first, and browse an augmented dataset version on the Items page."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from config.celery_app import app
from exchange.models import ExportJob, ImportJob
from labeling.models import Region
from tests.augmentation.conftest import FLIP, add_image, annotate, box, run_job
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.e2e


@pytest.fixture
def scientist(transactional_db):
    return UserFactory(username="ada")


@pytest.fixture
def project(scientist):
    """Three labelled street images: a cat box on each, and a dog box on the last."""
    project = make_project(manager=scientist, name="Street scenes")
    cat, dog = (project.classes.get(name=name).pk for name in ("cat", "dog"))
    for seed in range(3):
        item = add_image(project, width=120, height=90, seed=seed, name=f"street-{seed}.jpg")
        regions = [box(cat, 10 + seed, 12, 40, 30)]
        if seed == 2:
            regions.append(box(dog, 60, 40, 30, 20))
        annotate(item, regions)
    return project


@pytest.fixture
def eager_workers():
    """Background exports run in the live server's thread as soon as the request commits (no worker)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_coco_from_the_page_downloads_a_zip_with_the_annotations(logged_in_page, scientist, project, tmp_path):
    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Export…").click()
    expect(page.get_by_role("heading", name="Export and import", level=1)).to_be_visible()
    expect(page.locator("#export-form").get_by_label("Format")).to_have_value("coco")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"project-{project.pk}-v1-coco.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    expect(page.locator("#export-status")).to_contain_text(f"Downloaded {download.suggested_filename}")

    files = zip_members(path.read_bytes())
    coco = json.loads(files["annotations/instances_train.json"])
    assert sorted(image["file_name"].split("_", 1)[1] for image in coco["images"]) == [
        "street-0.jpg",
        "street-1.jpg",
        "street-2.jpg",
    ]
    assert len(coco["annotations"]) == 4
    names = {category["id"]: category["name"] for category in coco["categories"]}
    assert sorted(names[a["category_id"]] for a in coco["annotations"]) == ["cat", "cat", "cat", "dog"]
    assert not [name for name in files if name.startswith("images/")]  # labels only by default


def test_a_background_export_shows_its_progress_and_a_download_link(
    logged_in_page, scientist, project, eager_workers, tmp_path
):
    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/exports/")
    form = page.locator("#export-form")
    form.get_by_label("Format").select_option("yolo_detection")
    form.get_by_label("Labels and images").check()
    form.get_by_label("dog", exact=True).uncheck()
    form.get_by_label("Build it in the background even when it is small").check()
    page.get_by_role("button", name="Export", exact=True).click()

    status = page.locator("#export-status")
    expect(status.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "3")
    expect(status).to_contain_text("is ready")
    expect(status).to_contain_text("Available until")
    job = ExportJob.objects.get()
    assert job.options["classes"] == [project.classes.get(name="cat").pk]
    expect(page.locator(f"tr[data-export='{job.pk}']")).to_contain_text("Ready")

    with page.expect_download() as download_info:
        status.get_by_role("link", name="Download").click()
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)
    files = zip_members(path.read_bytes())
    assert len([name for name in files if name.startswith("images/train/")]) == 3
    labels = b"".join(data for name, data in files.items() if name.startswith("labels/train/"))
    assert labels.count(b"\n") == 3  # the dog box was left out with its class


def test_import_runs_a_dry_run_first_and_maps_an_unknown_class(logged_in_page, scientist, project, tmp_path):
    coco = {
        "images": [{"id": 1, "file_name": "street-0.jpg", "width": 120, "height": 90}],
        "categories": [{"id": 1, "name": "bird"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 5, 20, 10], "area": 200, "iscrowd": 0}],
    }
    labels = tmp_path / "birds.json"
    labels.write_text(json.dumps(coco))
    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/exports/")
    form = page.locator("#import-form")
    form.get_by_label("File", exact=True).set_input_files(str(labels))
    form.get_by_label("Format", exact=True).select_option("coco")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()

    page.get_by_role("button", name="Dry run").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("The import would stop: 1 problem")
    expect(report.locator("tr[data-code='unknown_class']")).to_contain_text("Unknown class 'bird'")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()

    form.get_by_label("bird").select_option("create")
    page.get_by_role("button", name="Dry run").click()
    expect(report).to_contain_text("No problems found")
    assert not ImportJob.objects.exists()

    page.get_by_role("button", name="Import", exact=True).click()
    expect(report).to_contain_text("Imported:")
    expect(page.locator("#import-job-rows")).to_contain_text("birds.json")
    assert project.classes.filter(name="bird").exists()
    assert Region.objects.filter(label_class__name="bird").count() == 1


def test_the_items_page_switches_to_an_augmented_version_and_keeps_it_in_the_address(
    logged_in_page, scientist, project
):
    pipeline = create_pipeline(project=project, user=scientist, name="mirror", config=FLIP)
    job = run_job(jobs.launch_job(project=project, user=scientist, pipeline=pipeline, copies_per_item=2))
    version = job.output_version

    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/jobs/{job.pk}/")
    page.get_by_role("link", name="Browse its items").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/\?version={version.pk}$"))
    expect(page.locator("#gallery-count")).to_have_text("9 items")
    expect(page.locator(".badge-augmented")).to_have_count(6)
    expect(page.locator("#frozen-note")).to_be_visible()
    expect(page.get_by_role("button", name="Random split…")).to_be_disabled()

    page.get_by_label("Dataset version").select_option(label="v1 (working) · 3 items")
    expect(page.locator("#gallery-count")).to_have_text("3 items")
    expect(page.locator(".badge-augmented")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/$"))

    page.get_by_label("Dataset version").select_option(str(version.pk))
    page.get_by_label("Split", exact=True).select_option("train")
    expect(page).to_have_url(re.compile(rf"\?version={version.pk}&split=train$"))
    page.reload()
    expect(page.get_by_label("Dataset version")).to_have_value(str(version.pk))
    expect(page.locator("#gallery-count")).to_have_text("9 items")

    page.locator(".item-card", has=page.locator(".badge-augmented")).first.locator(".item-link").click()
    provenance = page.locator("#item-provenance")
    expect(provenance).to_contain_text("mirror")
    expect(page.locator("#item-meta")).to_contain_text(f"v{version.number}")
    expect(page.locator(".item-image")).to_have_js_property("complete", True)
    assert page.locator(".item-image").evaluate("image => image.naturalWidth") == 120
    provenance.get_by_role("link", name=f"Job {job.pk}").click()
    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/$"))
