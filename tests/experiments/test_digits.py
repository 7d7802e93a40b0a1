"""The honest end-to-end check, on real data that ships with scikit-learn (the 8x8 handwritten digits; nothing is
downloaded): import a small training subset as an ImageFolder ZIP, augment it with a real job (small rotations and
shifts, no flips: digits are not symmetric), run an experiment with a candidate and a dose curve, and check the
report against scikit-learn run directly on the same arrays.

Only what is robustly true for the fixed seed is asserted; whether augmentation helped is printed, not asserted
(run with `-s` to see it).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import cv2
import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from augmentation.models import JobOutput
from augmentation.services import jobs
from augmentation.services.pipelines import create_pipeline
from exchange.services.imports import ImportOptions, import_file
from experiments.baselines import features
from experiments.services import runs
from experiments.services.experiments import create_experiment
from experiments.services.plans import build_plan
from projects import services as project_services
from projects.models import Item, Membership
from projects.progress import JobStatus
from tests.augmentation.conftest import run_job
from tests.experiments.conftest import run

pytestmark = pytest.mark.django_db

TRAIN_PER_CLASS = 10
EVAL_PER_CLASS = 30
SIDE = 32
SEED = 0
GEOMETRIC = {
    "seed": SEED,
    "steps": [{"type": "Affine", "rotate": [-10, 10], "translate_percent": [-0.08, 0.08], "fill_mode": "constant"}],
}


def digits_zip() -> bytes:
    """train/<digit>/... and val/<digit>/...: 8x8 digits (0..16) scaled to 0..255 and upscaled to 32x32 PNGs.

    The subsets are drawn with a fixed seed; an image whose pixels repeat one already taken is skipped, since an
    import deduplicates by content and one item cannot be in two splits."""
    digits = load_digits()
    rng = np.random.default_rng(SEED)
    seen: set[bytes] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for digit in range(10):
            taken = {"train": 0, "val": 0}
            for index in rng.permutation(np.flatnonzero(digits.target == digit)):
                split = "train" if taken["train"] < TRAIN_PER_CLASS else "val"
                if taken["val"] >= EVAL_PER_CLASS:
                    break
                pixels = np.round(digits.images[index] * (255 / 16)).astype(np.uint8)
                if pixels.tobytes() in seen:
                    continue
                seen.add(pixels.tobytes())
                large = cv2.resize(pixels, (SIDE, SIDE), interpolation=cv2.INTER_LINEAR)
                png = io.BytesIO()
                Image.fromarray(large, mode="L").save(png, format="PNG")
                archive.writestr(f"{split}/{digit}/digit-{index}.png", png.getvalue())
                taken[split] += 1
    return buffer.getvalue()


def stored_features(item_ids: list[int]) -> np.ndarray:
    """Features of stored items, decoded here with Pillow (not the code under test's reader)."""
    items = Item.objects.in_bulk(item_ids)
    rows = []
    for item_id in item_ids:
        with items[item_id].file.open("rb") as stored:
            rows.append(features.image_features(np.asarray(Image.open(stored).convert("RGB"))))
    return np.vstack(rows)


def direct(x_train, y_train, x_eval, y_eval, n_classes):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=SEED))
    y_pred = model.fit(x_train, y_train).predict(x_eval)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_eval, y_pred, labels=range(n_classes), zero_division=0
    )
    return {
        "accuracy": accuracy_score(y_eval, y_pred),
        "macro_f1": f1_score(y_eval, y_pred, average="macro"),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "confusion": confusion_matrix(y_eval, y_pred, labels=range(n_classes)).tolist(),
    }


def test_digits_with_and_without_augmentation(manager):
    project = project_services.create_project(user=manager, name="Digits", kinds=["image_class"], classes=[])
    upload = io.BytesIO(digits_zip())
    outcome = import_file(
        project=project,
        membership=Membership.objects.get(project=project, user=manager),
        upload=upload,
        name="digits.zip",
        options=ImportOptions(format="imagefolder", create_missing_classes=True, status="accepted"),
    )
    assert outcome.report["created"]["items"] == 10 * (TRAIN_PER_CLASS + EVAL_PER_CLASS)

    pipeline = create_pipeline(project=project, user=manager, name="small rotations and shifts", config=GEOMETRIC)
    job = run_job(jobs.launch_job(project=project, user=manager, pipeline=pipeline, copies_per_item=4, seed=SEED))
    assert (job.status, job.done) == (JobStatus.COMPLETED, 10 * TRAIN_PER_CLASS * 4)

    experiment = create_experiment(
        project=project,
        user=manager,
        model="logreg",
        candidates=[{"jobs": [job.pk], "label": "+ 4 rotated/shifted copies (job)"}],
        dose={"pipeline": pipeline.pk, "copies": [0, 1, 2, 4, 8]},
        seed=SEED,
    )
    experiment = run(experiment)
    assert experiment.status == JobStatus.COMPLETED, experiment.error
    results = experiment.results
    by_key = {entry["key"]: entry for entry in results["runs"]}
    assert list(by_key) == ["baseline", "candidate-1", "dose-1", "dose-2", "dose-4", "dose-8"]
    assert [by_key[k]["training_items"] for k in by_key] == [100, 500, 200, 300, 500, 900]
    for entry in by_key.values():
        for metric in ("accuracy", "macro_f1"):
            interval = entry[metric]
            assert 0.0 <= interval["low"] <= interval["estimate"] <= interval["high"] <= 1.0
        assert sum(map(sum, entry["confusion_matrix"])) == 10 * EVAL_PER_CLASS

    # The same arrays, straight into scikit-learn.
    plan = build_plan(project, runs.spec_of(experiment))
    index = {entry["id"]: position for position, entry in enumerate(results["classes"])}
    evaluation = plan.evaluation.members
    x_eval = stored_features([m.item_id for m in evaluation])
    y_eval = np.array([index[m.class_id] for m in evaluation])
    assert sorted(JobOutput.objects.filter(job=job).values_list("output_item_id", flat=True)) == sorted(
        m.item_id for m in plan.candidates[0].members if m.source_item_id is not None
    )
    for key, members in (("baseline", plan.baseline.members), ("candidate-1", plan.candidates[0].members)):
        expected = direct(
            stored_features([m.item_id for m in members]),
            np.array([index[m.class_id] for m in members]),
            x_eval,
            y_eval,
            len(index),
        )
        reported = by_key[key]
        assert reported["accuracy"]["estimate"] == pytest.approx(expected["accuracy"], abs=1e-12)
        assert reported["macro_f1"]["estimate"] == pytest.approx(expected["macro_f1"], abs=1e-12)
        for name in ("precision", "recall", "f1"):
            assert [row[name] for row in reported["per_class"]] == pytest.approx(expected[name], abs=1e-12)
        assert [row["support"] for row in reported["per_class"]] == expected["support"]
        assert reported["confusion_matrix"] == expected["confusion"]

    difference = by_key["candidate-1"]["difference"]["accuracy"]
    assert difference["estimate"] == pytest.approx(
        by_key["candidate-1"]["accuracy"]["estimate"] - by_key["baseline"]["accuracy"]["estimate"]
    )
    report = {
        key: {
            "training_items": entry["training_items"],
            "accuracy": entry["accuracy"],
            "macro_f1": entry["macro_f1"],
            "difference": entry["difference"],
        }
        for key, entry in by_key.items()
    }
    print("\nDIGITS RESULT", json.dumps(report, indent=1))
    print(
        "evaluation items:",
        results["evaluation"]["items"],
        "fingerprint",
        hashlib.sha256(upload.getvalue()).hexdigest(),
    )
