"""In a real browser: start an experiment from the form and read its result page, charts included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from config.celery_app import app
from experiments.models import Experiment
from projects.progress import JobStatus
from tests.augmentation.conftest import run_job
from tests.experiments.conftest import CLASSES, labelled_image
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.e2e

FLIP = {"seed": 0, "steps": [{"type": "HorizontalFlip", "p": 1.0}]}


@pytest.fixture
def scientist(transactional_db):
    return UserFactory(username="grace")


@pytest.fixture
def project(scientist):
    project = make_project(manager=scientist, name="Shapes", kinds=("image_class",), classes=CLASSES)
    for seed in range(10):
        labelled_image(project, "cat" if seed % 2 == 0 else "dog", split="train" if seed < 6 else "val", seed=seed)
    return project


@pytest.fixture
def eager_workers():
    """The live server runs the experiment in its own thread as soon as the creation commits (no worker)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_start_an_experiment_and_read_its_charts(logged_in_page, scientist, project, eager_workers):
    pipeline = create_pipeline(project=project, user=scientist, name="flip", config=FLIP)
    job = run_job(jobs.launch_job(project=project, user=scientist, pipeline=pipeline, copies_per_item=1))
    page = logged_in_page(scientist)
    page.goto(f"/projects/{project.pk}/experiments/")
    page.get_by_role("link", name="New experiment").click()
    expect(page.get_by_role("heading", name="New experiment", level=1)).to_be_visible()

    page.get_by_label("Model").select_option("knn")
    page.get_by_label(re.compile(rf"^Job {job.pk}: flip")).check()
    page.get_by_label("Run one pipeline at several numbers of copies per item").check()
    expect(page.get_by_label("Pipeline", exact=True)).to_have_value(str(pipeline.pk))
    page.get_by_label("Name").fill("flips")
    page.get_by_role("button", name="Start experiment").click()

    expect(page).to_have_url(re.compile(r"/experiments/\d+/$"))
    expect(page.locator("#experiment-status")).to_have_text("Completed")
    experiment = Experiment.objects.get()
    assert (experiment.status, experiment.model_family) == (JobStatus.COMPLETED, "knn")
    rows = page.locator("#runs-table tbody tr")
    expect(rows).to_have_count(6)  # baseline, the job, and 1, 2, 4, 8 copies
    expect(rows.first.locator("th")).to_have_text("Baseline: v1 (working) train")
    expect(page.locator("#chart-runs")).to_have_attribute("data-points", "2")
    expect(page.locator("#chart-dose")).to_have_attribute("data-points", "5")
    expect(page.locator("#confusion-matrices figure")).to_have_count(2)
    expect(page.locator("#confusion-matrices td.heat")).to_have_count(8)
    expect(page.locator("#per-class-table tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name="Per-class metrics (CSV)")).to_be_visible()

    page.get_by_label("Metric", exact=True).select_option("macro_f1")
    expect(page.locator("#chart-runs")).to_have_attribute("data-points", "2")
    page.get_by_role("link", name="Experiments", exact=True).first.click()
    expect(page.locator(f"tr[data-experiment='{experiment.pk}']")).to_contain_text("Completed")
