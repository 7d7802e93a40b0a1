"""(pipeline, seed, sample) gives the same output in any process, whatever the hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import REPO
from .digests import digests


def digests_in_new_processes(hash_seeds: list[str]) -> list[dict[str, str]]:
    """Run the digests in fresh interpreters (in parallel), each with its own PYTHONHASHSEED."""
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.augmentation.engine.digests"],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO), "NO_ALBUMENTATIONS_UPDATE": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in hash_seeds
    ]
    results = []
    for process in running:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def test_every_transform_gives_identical_output_in_other_processes():
    here = digests()
    assert len(here) >= 45
    for there in digests_in_new_processes(["1", "4242"]):
        differing = sorted(name for name in here if here[name] != there.get(name))
        assert not differing, f"outputs differ across processes for {differing}"


def test_different_seeds_give_different_outputs():
    import numpy as np

    from augmentation.engine import Pipeline

    from .digests import digest_of, image_sample

    pipeline = Pipeline.from_config({"steps": [{"type": "Affine", "rotate": 30}, {"type": "GaussNoise"}]})
    outputs = {digest_of(pipeline(image_sample(1), rng=np.random.default_rng(seed))) for seed in range(5)}
    assert len(outputs) == 5
