"""Running experiments as the worker does: the numbers, the dose curve's copies, reruns, cancelling, failing."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, make_pipeline

from augmentation.models import JobOutput
from augmentation.services import jobs, samples
from augmentation.services.pipelines import create_pipeline
from experiments.baselines import features, models
from experiments.models import Experiment
from experiments.services import runs
from experiments.services.dose import make_copies
from experiments.services.plans import build_plan
from experiments.services.progress import Progress
from labeling.models import Annotation
from projects.progress import JobStatus
from tests.augmentation.conftest import add_image, annotate, box, run_job
from tests.experiments.conftest import TEXTS, run, run_by_key
from tests.factories import make_project

pytestmark = pytest.mark.django_db

ROTATE = {"seed": 3, "steps": [{"type": "Affine", "rotate": [-15, 15], "translate_percent": [-0.1, 0.1]}]}
SWAP = {"seed": 1, "steps": [{"type": "RandomSwap", "p": 1.0}]}


def test_a_text_experiment_reports_what_scikit_learn_computes_directly(text_project, create, manager):
    swap = create_pipeline(project=text_project, user=manager, name="swap", config=SWAP)
    experiment = run(create(text_project, dose={"pipeline": swap.pk, "copies": [0, 1, 2]}, seed=4))
    assert experiment.status == JobStatus.COMPLETED, experiment.error
    assert (experiment.done, experiment.total) == (3, 3)
    results = experiment.results
    assert [c["name"] for c in results["classes"]] == ["good", "bad"]

    # The same model, built here from scikit-learn's own classes, on the texts in item id order.
    train = [text for text, _ in TEXTS["train"]]
    y_train = [0 if label == "good" else 1 for _, label in TEXTS["train"]]
    evaluation = [text for text, _ in TEXTS["val"]]
    y_true = [0 if label == "good" else 1 for _, label in TEXTS["val"]]
    direct = make_pipeline(
        FeatureUnion(
            [
                ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ]
        ),
        LogisticRegression(C=1.0, max_iter=2000, random_state=4),
    )
    y_pred = direct.fit(train, y_train).predict(evaluation)
    baseline = run_by_key(experiment)["baseline"]
    assert baseline["accuracy"]["estimate"] == accuracy_score(y_true, y_pred)
    assert baseline["macro_f1"]["estimate"] == pytest.approx(f1_score(y_true, y_pred, average="macro"), abs=1e-12)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=[0, 1], zero_division=0)
    assert [row["precision"] for row in baseline["per_class"]] == pytest.approx(precision.tolist(), abs=1e-12)
    assert [row["recall"] for row in baseline["per_class"]] == pytest.approx(recall.tolist(), abs=1e-12)
    assert [row["f1"] for row in baseline["per_class"]] == pytest.approx(f1.tolist(), abs=1e-12)
    assert [row["support"] for row in baseline["per_class"]] == support.tolist() == [2, 2]
    assert baseline["confusion_matrix"] == confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist()

    by_key = run_by_key(experiment)
    assert [(k, r["role"], r["copies"], r["training_items"]) for k, r in by_key.items()] == [
        ("baseline", "baseline", 0, 6),
        ("dose-1", "dose", 1, 12),
        ("dose-2", "dose", 2, 18),
    ]
    for entry in by_key.values():
        for metric in ("accuracy", "macro_f1"):
            interval = entry[metric]
            assert 0.0 <= interval["low"] <= interval["estimate"] <= interval["high"] <= 1.0
    assert results["dose"] == {
        "pipeline": swap.pk,
        "pipeline_name": "swap",
        "seed": 1,
        "copies": [0, 1, 2],
        "failed_copies": 0,
        "copies_without_single_class": 0,
    }


def test_the_dose_curves_copies_are_the_outputs_a_job_with_the_same_seed_makes(image_project, create, manager):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    job = run_job(jobs.launch_job(project=image_project, user=manager, pipeline=pipeline, copies_per_item=2))
    experiment = create(image_project, dose={"pipeline": pipeline.pk, "copies": [0, 2]})
    plan = build_plan(image_project, runs.spec_of(experiment))
    made = make_copies(image_project, experiment.dose, plan, Progress(experiment.pk))
    assert (made.failed, made.without_single_class) == (0, 0)
    outputs = {(o.source_item_id, o.copy_index): o.output_item for o in JobOutput.objects.select_related("output_item")}
    for copy_index in range(2):
        assert len(made.copies[copy_index]) == 6
        for member, (row, class_id) in zip(plan.baseline.members, made.copies[copy_index], strict=True):
            stored = samples.decode_image(samples.read_file(outputs[(member.item_id, copy_index)]))
            assert np.array_equal(row, features.image_features(stored))
            assert class_id == member.class_id
    assert job.seed == experiment.dose["seed"] == 3


def test_a_job_candidate_and_its_output_version_train_on_the_same_items(image_project, create, manager):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    job = run_job(jobs.launch_job(project=image_project, user=manager, pipeline=pipeline, copies_per_item=1))
    experiment = run(create(image_project, candidates=[{"jobs": [job.pk]}, {"version": job.output_version_id}]))
    assert experiment.status == JobStatus.COMPLETED, experiment.error
    first, second = experiment.inputs["sets"][1], experiment.inputs["sets"][2]
    assert first["fingerprint"] == second["fingerprint"]
    assert (first["items"], first["augmented_items"]) == (12, 6)
    by_key = run_by_key(experiment)
    assert by_key["candidate-1"]["accuracy"] == by_key["candidate-2"]["accuracy"]
    assert by_key["candidate-1"]["difference"] == by_key["candidate-2"]["difference"]


def results_without_times(experiment: Experiment):
    return [{k: v for k, v in r.items() if k != "training_seconds"} for r in experiment.results["runs"]]


def test_running_twice_or_after_a_worker_died_gives_the_same_results(image_project, create, manager):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    experiment = run(create(image_project, model="knn", dose={"pipeline": pipeline.pk, "copies": [0, 1]}))
    first = results_without_times(experiment)
    finished_at = experiment.finished_at
    run(experiment)  # a duplicate message: a finished experiment is left alone
    assert experiment.finished_at == finished_at
    # The worker died mid-run: the row says running, the broker delivers the message again.
    Experiment.objects.filter(pk=experiment.pk).update(status=JobStatus.RUNNING, done=1, results={})
    experiment = run(experiment)
    assert (experiment.status, experiment.attempts, experiment.done) == (JobStatus.COMPLETED, 2, 2)
    assert results_without_times(experiment) == first


def test_an_experiment_that_keeps_killing_its_worker_gives_up(image_project, create, manager):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    experiment = create(image_project, dose={"pipeline": pipeline.pk})
    Experiment.objects.filter(pk=experiment.pk).update(status=JobStatus.RUNNING, attempts=runs.MAX_ATTEMPTS)
    experiment = run(experiment)
    assert experiment.status == JobStatus.FAILED
    assert experiment.error.startswith("Gave up after 3 attempts")


def test_cancelling_a_running_experiment_stops_it_before_the_next_model(image_project, create, manager, monkeypatch):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    experiment = create(image_project, dose={"pipeline": pipeline.pk, "copies": [0, 1, 2]})
    fits = []
    real_fit = models.fit_predict

    def fit_then_cancel(*args, **kwargs):
        fits.append(1)
        Experiment.objects.filter(pk=experiment.pk).update(cancel_requested=True)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(models, "fit_predict", fit_then_cancel)
    experiment = run(experiment)
    assert (experiment.status, len(fits), experiment.done, experiment.results) == (JobStatus.CANCELLED, 1, 1, {})


def test_an_experiment_whose_data_changed_fails_with_the_reason(image_project, create, manager):
    pipeline = create_pipeline(project=image_project, user=manager, name="rotate", config=ROTATE)
    experiment = create(image_project, dose={"pipeline": pipeline.pk})
    Annotation.objects.filter(item__version_entries__split="val").delete()
    experiment = run(experiment)
    assert experiment.status == JobStatus.FAILED
    assert experiment.error.startswith("The data changed since the experiment was created: None of the 4 items")


def test_detection_experiments_report_label_statistics_before_and_after(manager, create):
    project = make_project(manager=manager, name="Street", kinds=("bbox",))
    cat, dog = project.classes.get(name="cat").pk, project.classes.get(name="dog").pk
    for seed, regions in enumerate(
        [[box(cat, 2, 2, 20, 10), box(dog, 30, 20, 8, 8)], [box(cat, 4, 4, 10, 10)], [box(cat, 1, 1, 40, 20)]]
    ):
        annotate(add_image(project, seed=seed), regions)
    flip = create_pipeline(
        project=project, user=manager, name="flip", config={"seed": 0, "steps": [{"type": "HorizontalFlip", "p": 1.0}]}
    )
    job = run_job(jobs.launch_job(project=project, user=manager, pipeline=flip, copies_per_item=2))
    experiment = run(create(project, candidates=[{"jobs": [job.pk]}]))
    assert experiment.status == JobStatus.COMPLETED, experiment.error
    assert experiment.model_family == "" and experiment.evaluation_version is None
    baseline, candidate = experiment.results["sets"]
    assert (baseline["items"], baseline["boxes"], candidate["items"], candidate["boxes"]) == (3, 4, 9, 12)
    assert baseline["per_class"] == [{"class": cat, "boxes": 3}, {"class": dog, "boxes": 1}]
    assert candidate["per_class"] == [{"class": cat, "boxes": 9}, {"class": dog, "boxes": 3}]
    # sqrt(area): 14.1, 8, 10 px in [8, 16), 28.3 in [16, 32); aspect w/h: 2, 1, 1, 2
    assert baseline["size"]["histogram"]["counts"] == [0, 3, 1, 0, 0, 0, 0]
    assert baseline["aspect"]["histogram"]["counts"] == [0, 0, 0, 2, 0, 2, 0]
    assert baseline["lost"] is None
    assert candidate["lost"] == {
        "copies": 6,
        "copies_with_losses": 0,
        "boxes": 0,
        "per_class": [{"class": cat, "boxes": 0}, {"class": dog, "boxes": 0}],
    }
