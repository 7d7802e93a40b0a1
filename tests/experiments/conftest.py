"""Fixtures for experiments: tiny image- and text-classification projects labelled through the test helpers of
tests/augmentation, and a way to run an experiment as the worker does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from experiments.models import Experiment
from experiments.services import experiments, runs
from labeling.models import AnnotationStatus
from projects.models import Project
from tests.augmentation.conftest import add_image, add_text, annotate, image_class
from tests.factories import make_project

CLASSES = (("cat", "#ff0000", "c"), ("dog", "#00ff00", "d"))


def text_class(label_class: int) -> dict[str, Any]:
    return {"kind": "text_class", "label_class_id": label_class}


def class_ids(project: Project) -> dict[str, int]:
    return dict(project.classes.values_list("name", "id"))


def labelled_image(project: Project, name: str, *, split: str, seed: int, status=AnnotationStatus.ACCEPTED):
    item = add_image(project, width=24, height=24, split=split, seed=seed, fmt="PNG")
    annotate(item, [image_class(class_ids(project)[name])], status=status)
    return item


@pytest.fixture
def image_project(manager) -> Project:
    """Image classification: 6 train items (3 cat, 3 dog) and 4 val items (2 and 2), PNG, accepted labels."""
    project = make_project(manager=manager, name="Shapes", kinds=("image_class",), classes=CLASSES)
    for seed in range(6):
        labelled_image(project, "cat" if seed % 2 == 0 else "dog", split="train", seed=seed)
    for seed in range(6, 10):
        labelled_image(project, "cat" if seed % 2 == 0 else "dog", split="val", seed=seed)
    return project


TEXTS = {
    "train": [
        ("what a lovely sunny day", "good"),
        ("i love this wonderful film", "good"),
        ("great acting and a lovely story", "good"),
        ("terrible boring film", "bad"),
        ("i hate this awful story", "bad"),
        ("boring and awful acting", "bad"),
    ],
    "val": [
        ("a lovely wonderful story", "good"),
        ("great sunny film", "good"),
        ("awful terrible day", "bad"),
        ("i hate boring acting", "bad"),
    ],
}


@pytest.fixture
def text_project(manager) -> Project:
    project = make_project(
        manager=manager,
        name="Reviews",
        kinds=("text_class",),
        classes=(("good", "#00aa00", "g"), ("bad", "#aa0000", "b")),
    )
    ids = class_ids(project)
    for split, rows in TEXTS.items():
        for text, label in rows:
            annotate(add_text(project, text, split=split), [text_class(ids[label])])
    return project


@pytest.fixture
def create(manager) -> Callable[..., Experiment]:
    def make(project: Project, **options: Any) -> Experiment:
        return experiments.create_experiment(project=project, user=manager, **options)

    return make


def run(experiment: Experiment) -> Experiment:
    """Run the experiment in this process, as the Celery task does."""
    runs.run_experiment(experiment.pk)
    experiment.refresh_from_db()
    return experiment


def run_by_key(experiment: Experiment) -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in experiment.results["runs"]}
