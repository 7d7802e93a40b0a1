"""In a real browser: build a pipeline step by step, preview it, launch a job and watch it complete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from augmentation.models import AugmentationJob, Pipeline
from config.celery_app import app
from projects.models import VersionStatus
from tests.augmentation.conftest import add_image, annotate, box
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.e2e


@pytest.fixture
def scientist(transactional_db):
    return UserFactory(username="ada")


@pytest.fixture
def project(scientist):
    project = make_project(manager=scientist, name="Street scenes")
    cat = project.classes.get(name="cat").pk
    for seed in range(3):
        item = add_image(project, width=120, height=90, seed=seed)
        annotate(item, [box(cat, 10 + seed, 12, 40, 30)])
    return project


@pytest.fixture
def eager_workers():
    """The live server runs job tasks in its own thread, as soon as the launch commits (no worker process)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_build_preview_launch_and_watch_a_job_complete(logged_in_page, scientist, project, eager_workers):
    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/pipelines/")
    page.get_by_role("link", name="New pipeline").click()
    expect(page.get_by_role("heading", name="New pipeline", level=1)).to_be_visible()

    page.get_by_label("Name", exact=True).fill("flip and blur")
    page.get_by_label("Add a step").select_option("HorizontalFlip")
    page.get_by_role("button", name="Add step").click()
    page.get_by_label("Add a step").select_option("GaussianBlur")
    page.get_by_role("button", name="Add step").click()
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(2)
    # Reorder with the keyboard-reachable buttons: blur first, then flip.
    page.get_by_role("button", name="Move up GaussianBlur (step 2)").click()
    expect(steps.nth(0).locator(".step-title")).to_have_text("GaussianBlur")
    expect(page.get_by_role("button", name="Move up GaussianBlur (step 1)")).to_be_focused()
    flip_p = steps.nth(1).get_by_label("p", exact=True)
    flip_p.fill("1")
    # An out-of-range value is shown next to its parameter, then fixed.
    flip_p.fill("3")
    expect(steps.nth(1).locator("[data-error-for='config.steps[1].p']")).to_contain_text("between 0 and 1")
    flip_p.fill("1")
    expect(page.locator("#validation-status")).to_have_text("Valid image pipeline.")

    page.get_by_role("button", name="Save pipeline").click()
    expect(page.locator("[data-form-status]")).to_have_text("Saved.")
    pipeline = Pipeline.objects.get(project=project)
    assert [step["type"] for step in pipeline.config["steps"]] == ["GaussianBlur", "HorizontalFlip"]
    expect(page).to_have_url(re.compile(rf"/pipelines/{pipeline.pk}/$"))

    page.get_by_label("Copies").select_option("2")
    page.get_by_label("Seed", exact=True).nth(1).fill("5")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-status")).to_contain_text("3 items")
    figures = page.locator("#preview-results figure")
    expect(figures).to_have_count(9)  # 3 items x (original + 2 copies)
    expect(figures.first.locator("figcaption")).to_contain_text("bbox cat")

    page.get_by_role("link", name="Launch a job…").click()
    expect(page.get_by_label("Pipeline")).to_have_value(str(pipeline.pk))
    page.get_by_label("Copies per item").fill("2")
    page.get_by_role("button", name="Launch job").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "6")
    expect(page.locator("#job-status")).to_have_text("Completed")
    expect(page.locator("#job-output")).to_contain_text("is ready")
    job = AugmentationJob.objects.get()
    assert (job.done, job.output_version.status) == (6, VersionStatus.READY)

    page.get_by_role("link", name="Jobs", exact=True).first.click()
    expect(page.locator(f"tr[data-job='{job.pk}']")).to_contain_text("Completed")
