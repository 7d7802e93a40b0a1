"""Invariants stated as properties (hypothesis): identities, labels inside the image, reproducibility."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augmentation.engine import Pipeline, Sample
from augmentation.engine.geometry import polygon_area
from augmentation.engine.image.geometric import HorizontalFlip, VerticalFlip, rotate90
from augmentation.engine.transform import Context

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw) -> Sample:
    height, width = draw(st.integers(8, 40)), draw(st.integers(8, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    count = draw(st.integers(0, 4))
    corners = rng.uniform(0, 1, (count, 2, 2)) * (width, height)
    boxes = np.concatenate([corners.min(1), corners.max(1) + 0.5], axis=1).clip(0, (width, height, width, height))
    polygons = [rng.uniform(0, 1, (3, 2)) * (width, height) + 0.0 for _ in range(draw(st.integers(0, 2)))]
    polygons = [polygon for polygon in polygons if polygon_area(polygon) > 1]
    return Sample.from_image(
        image,
        boxes=boxes,
        box_labels=list(range(count)),
        polygons=polygons,
        polygon_labels=list(range(len(polygons))),
        mask=rng.integers(0, 4, (height, width)).astype(np.int32),
    )


def same(a: Sample, b: Sample) -> bool:
    return (
        np.array_equal(a.image, b.image)
        and np.array_equal(a.mask, b.mask)
        and np.allclose(a.boxes, b.boxes, atol=1e-4)
        and a.box_labels.tolist() == b.box_labels.tolist()
        and len(a.polygons) == len(b.polygons)
        and all(np.allclose(p, q, atol=1e-4) for p, q in zip(a.polygons, b.polygons, strict=True))
    )


@PROPERTY_SETTINGS
@given(samples())
def test_a_flip_applied_twice_is_the_identity(sample):
    context, rng = Context(), np.random.default_rng(0)
    for flip in (HorizontalFlip(), VerticalFlip()):
        assert same(flip.apply(flip.apply(sample, rng, context), rng, context), sample)


@PROPERTY_SETTINGS
@given(samples())
def test_four_quarter_turns_are_the_identity(sample):
    turned = sample
    for _ in range(4):
        turned = rotate90(turned, 1, 0.0)
    assert same(turned, sample)


GEOMETRIC_PIPELINE = {
    "min_visibility": 0.2,
    "steps": [
        {"type": "HorizontalFlip", "p": 0.5},
        {"type": "Affine", "rotate": 45, "scale": [0.7, 1.3], "translate_percent": [-0.3, 0.3], "shear": 10},
        {
            "type": "one_of",
            "steps": [
                {"type": "Perspective"},
                {"type": "GridDistortion"},
                {"type": "ElasticTransform", "alpha": 20, "sigma": 5},
            ],
        },
        {"type": "RandomResizedCrop", "height": 16, "width": 20, "p": 0.5},
        {"type": "CoarseDropout", "p": 0.5},
    ],
}


@PROPERTY_SETTINGS
@given(samples(), st.integers(0, 2**32 - 1))
def test_boxes_and_polygons_stay_inside_the_image_and_keep_their_labels(sample, seed):
    out = Pipeline.from_config(GEOMETRIC_PIPELINE)(sample, rng=np.random.default_rng(seed))
    height, width = out.image.shape[:2]
    assert out.mask.shape == (height, width)
    assert len(out.boxes) == len(out.box_labels) == len(out.box_polygon)
    assert (
        (out.boxes >= 0).all()
        and (out.boxes[:, [0, 2]] <= width + 1e-3).all()
        and (out.boxes[:, [1, 3]] <= height + 1e-3).all()
    )
    assert (out.boxes[:, 2] >= out.boxes[:, 0]).all() and (out.boxes[:, 3] >= out.boxes[:, 1]).all()
    assert set(out.box_labels.tolist()) <= set(sample.box_labels.tolist())
    for polygon in out.polygons:
        assert (
            (polygon >= -1e-3).all()
            and (polygon[:, 0] <= width + 1e-3).all()
            and (polygon[:, 1] <= height + 1e-3).all()
        )


@PROPERTY_SETTINGS
@given(samples(), st.integers(0, 2**32 - 1))
def test_a_crop_that_removes_a_box_removes_its_label(sample, seed):
    pipeline = Pipeline.from_config({"min_visibility": 0.5, "steps": [{"type": "RandomCrop", "height": 6, "width": 6}]})
    out = pipeline(sample, rng=np.random.default_rng(seed))
    assert len(out.boxes) == len(out.box_labels) <= len(sample.boxes)
    assert out.image_label == sample.image_label


@PROPERTY_SETTINGS
@given(samples(), st.integers(0, 2**32 - 1))
def test_the_same_seed_gives_the_same_output(sample, seed):
    pipeline = Pipeline.from_config(GEOMETRIC_PIPELINE)
    first = pipeline(sample, rng=np.random.default_rng(seed))
    assert same(first, pipeline(sample, rng=np.random.default_rng(seed)))
