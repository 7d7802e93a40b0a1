"""Digests of many transform outputs, computed in whatever process imports this (see test_determinism.py)."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from augmentation.engine import Pipeline, Resources, Sample, TextSample, parse_thesaurus_csv
from augmentation.engine.transform import registered

SIZED = {"RandomCrop", "CenterCrop", "RandomResizedCrop", "CropAroundBox", "Resize", "Letterbox"}
THESAURUS = "word,synonyms\nquick,fast;rapid\nreport,account;story\nfire,blaze\n"


def image_sample(seed: int) -> Sample:
    rng = np.random.default_rng(seed)
    return Sample.from_image(
        rng.integers(0, 256, (36, 48, 3), dtype=np.uint8),
        boxes=[[4, 4, 20, 18], [25, 10, 44, 30]],
        box_labels=[1, 2],
        polygons=[[[10, 20], [30, 22], [20, 34]]],
        polygon_labels=[3],
        mask=rng.integers(0, 3, (36, 48)).astype(np.int32),
        image_label=seed % 3,
    )


def digest_of(value: object) -> str:
    hasher = hashlib.sha256()
    if isinstance(value, Sample):
        for array in (
            value.image,
            value.mask,
            value.boxes,
            value.box_labels,
            value.polygon_labels,
            value.box_polygon,
            *value.polygons,
        ):
            hasher.update(np.ascontiguousarray(array).tobytes())
        hasher.update(json.dumps([value.image_label, sorted((value.label_weights or {}).items())]).encode())
    else:
        hasher.update(repr(value).encode())
    return hasher.hexdigest()[:16]


def digests() -> dict[str, str]:
    resources = Resources(thesauri={"en": parse_thesaurus_csv(THESAURUS)})
    pool = [image_sample(seed) for seed in range(4)]
    text = TextSample.create(
        "Ana saw a quick fire. The report came late! Everyone left the building quickly.",
        label="news",
        spans=[(0, 3, "PER")],
    )
    results = {}
    for name, cls in sorted(registered().items()):
        if name == "LLMParaphrase":
            continue  # needs a live endpoint; covered against a stub in test_llm.py
        values: dict = {"height": 24, "width": 30} if name in SIZED else {}
        if name in ("SynonymReplacement", "RandomInsertion"):
            values = {"source": "thesaurus", "fraction": 0.5}
        pipeline = Pipeline.from_config(
            {"seed": 11, "min_visibility": 0.2, "steps": [{"type": name, **values}]}, resources=resources
        )
        sample = text if cls.target == "text" else image_sample(7)
        results[name] = digest_of(pipeline(sample, rng=pipeline.rng_for(5, 1), pool=pool))
    return results


if __name__ == "__main__":
    print(json.dumps(digests()))
