"""Throughput of the augmentation engine against a plain Albumentations loop on the same work.

    python bench/augment.py [--n 400] [--rounds 3]

Generates N 640x480 JPEGs with 10 boxes each in a temporary folder, then, for 1 and 2 processes, runs the same
5-step pipeline through our engine and through `A.Compose` built from our pipeline's Albumentations export (so
both arms have identical parameters). Each image is read, decoded, transformed, encoded as JPEG and written.
The arms alternate every few images (see `measure`) so drift on a noisy machine hits both alike; each figure is
the median over rounds. OpenCV runs single-threaded in both arms so processes, not threads, scale.

The last line of stdout is one JSON object:
{"engine_per_s": {"1": …, "2": …}, "albumentations_per_s": {"1": …, "2": …}, "ratio_1p": …, "ratio_2p": …}
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import albumentations as A
import cv2
import numpy as np

from augmentation.engine import Pipeline, Sample, export_albumentations

WIDTH, HEIGHT, BOXES_PER_IMAGE = 640, 480, 10
PIPELINE = {
    "seed": 1234,
    "min_visibility": 0.3,
    "steps": [
        {"type": "HorizontalFlip", "p": 0.5},
        {"type": "Affine", "p": 1.0, "rotate": [-15, 15], "scale": [0.9, 1.1], "fill_mode": "reflect"},
        {"type": "RandomBrightnessContrast", "p": 0.5},
        {"type": "GaussianBlur", "p": 0.5},
        {"type": "CoarseDropout", "p": 0.5},
    ],
}


def make_dataset(folder: Path, count: int) -> list[tuple[str, list[list[float]], list[int]]]:
    """JPEGs with smooth gradients and shapes (compress like photos, unlike pure noise) and random boxes."""
    rng = np.random.default_rng(0)
    items = []
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    for index in range(count):
        base = rng.uniform(0, 255, size=3)
        image = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
        for channel in range(3):
            image[:, :, channel] = np.clip(base[channel] + 0.2 * xs - 0.1 * ys + rng.normal(0, 8), 0, 255)
        boxes, labels = [], []
        for _ in range(BOXES_PER_IMAGE):
            x0, y0 = rng.uniform(0, WIDTH - 60), rng.uniform(0, HEIGHT - 60)
            x1, y1 = x0 + rng.uniform(20, 120), y0 + rng.uniform(20, 120)
            box = [float(x0), float(y0), float(min(x1, WIDTH)), float(min(y1, HEIGHT))]
            colour = tuple(int(value) for value in rng.integers(0, 256, size=3))
            cv2.rectangle(image, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), colour, -1)
            boxes.append(box)
            labels.append(int(rng.integers(0, 5)))
        path = folder / f"image_{index:05d}.jpg"
        cv2.imwrite(str(path), image, (cv2.IMWRITE_JPEG_QUALITY, 90))
        items.append((str(path), boxes, labels))
    return items


_STATE: dict[str, Any] = {}


def _init_worker(arm: str, output: str) -> None:
    cv2.setNumThreads(1)
    _STATE["arm"] = arm
    _STATE["output"] = Path(output)
    if arm == "engine":
        _STATE["pipeline"] = Pipeline.from_config(PIPELINE)
    else:
        compose = A.from_dict(export_albumentations(PIPELINE))
        compose.set_random_seed(PIPELINE["seed"])
        _STATE["compose"] = compose


def _process(batch: list[tuple[int, tuple[str, list[list[float]], list[int]]]]) -> int:
    output: Path = _STATE["output"]
    for index, (path, boxes, labels) in batch:
        image = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        if _STATE["arm"] == "engine":
            pipeline: Pipeline = _STATE["pipeline"]
            sample = Sample.from_image(image, boxes=boxes, box_labels=labels)
            result = pipeline(sample, rng=pipeline.rng_for(index)).image
        else:
            result = _STATE["compose"](image=image, bboxes=np.asarray(boxes, dtype=np.float32), labels=labels)["image"]
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(result, cv2.COLOR_RGB2BGR), (cv2.IMWRITE_JPEG_QUALITY, 90))
        assert ok
        (output / Path(path).name).write_bytes(encoded.tobytes())
    return len(batch)


def measure(items: list, processes: int, folders: dict[str, Path], rounds: int) -> dict[str, list[float]]:
    """Images per second for each arm, one figure per round.

    Both arms keep a pool of `processes` workers alive, and the images go through in slices of a few per worker,
    each slice run by one arm and then the other (the order flipping every slice). Load from the rest of the
    machine therefore falls on both arms alike, which whole-run alternation on a busy machine does not ensure.
    Pool start-up and a warm-up slice are not timed.
    """
    arms = list(folders)
    context = multiprocessing.get_context("fork")
    pools = {arm: context.Pool(processes, _init_worker, (arm, str(folders[arm]))) for arm in arms}
    numbered = list(enumerate(items))
    per_slice = 4 * processes
    slices = [numbered[start : start + per_slice] for start in range(0, len(numbered), per_slice)]
    try:
        for arm in arms:
            pools[arm].map(_process, [numbered[:2]] * processes, chunksize=1)
        rates: dict[str, list[float]] = {arm: [] for arm in arms}
        for round_index in range(rounds):
            elapsed = dict.fromkeys(arms, 0.0)
            for slice_index, batch in enumerate(slices):
                tasks = [batch[worker::processes] for worker in range(processes)]
                order = arms if (slice_index + round_index) % 2 == 0 else arms[::-1]
                for arm in order:
                    started = time.perf_counter()
                    pools[arm].map(_process, tasks, chunksize=1)
                    elapsed[arm] += time.perf_counter() - started
            for arm in arms:
                rates[arm].append(len(items) / elapsed[arm])
                print(f"round {round_index + 1} {arm:15s} {processes}p {rates[arm][-1]:7.1f} images/s", flush=True)
        return rates
    finally:
        for pool in pools.values():
            pool.terminate()
            pool.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="images (default 400)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per setting (default 3)")
    arguments = parser.parse_args(argv)
    cv2.setNumThreads(1)
    results: dict[str, dict[str, list[float]]] = {"engine": {"1": [], "2": []}, "albumentations": {"1": [], "2": []}}
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as temporary:
        folder = Path(temporary)
        started = time.perf_counter()
        items = make_dataset(folder, arguments.n)
        print(f"generated {arguments.n} images in {time.perf_counter() - started:.1f} s", flush=True)
        folders = {arm: folder / f"out-{arm}" for arm in results}
        for output in folders.values():
            output.mkdir()
        for processes in (1, 2):
            for arm, rates in measure(items, processes, folders, arguments.rounds).items():
                results[arm][str(processes)] = rates
    engine = {key: round(statistics.median(values), 1) for key, values in results["engine"].items()}
    plain = {key: round(statistics.median(values), 1) for key, values in results["albumentations"].items()}
    summary = {
        "engine_per_s": engine,
        "albumentations_per_s": plain,
        "ratio_1p": round(engine["1"] / plain["1"], 3),
        "ratio_2p": round(engine["2"] / plain["2"], 3),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
