"""Polygon holes travel with their polygon: moved, clipped, dropped when gone, and never painted over."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from augmentation.engine import Pipeline, Sample
from augmentation.engine.geometry import polygon_area, polygon_pixels
from augmentation.engine.image.crops import crop
from augmentation.engine.image.geometric import HorizontalFlip, rotate90
from augmentation.engine.image.mixing import CopyPaste, Mosaic
from augmentation.engine.transform import Context
from tests.augmentation.engine.test_properties import GEOMETRIC_PIPELINE, PROPERTY_SETTINGS

SQUARE = [[10, 10], [30, 10], [30, 30], [10, 30]]
HOLE = [[15, 15], [25, 15], [25, 25], [15, 25]]


def ring_sample(size=(40, 40), holes=(HOLE,), label=3, value=200) -> Sample:
    """A 20x20 square with a 10x10 hole (and its linked box) on a plain image."""
    return Sample.from_image(
        np.full((*size, 3), value, np.uint8),
        polygons=[SQUARE],
        polygon_labels=[label],
        polygon_holes=[list(holes)],
        boxes_from_polygons=True,
    )


def run(transform, sample, seed=0, min_visibility=0.0, pool=None):
    return transform.apply(sample, np.random.default_rng(seed), Context(min_visibility=min_visibility, pool=pool))


def test_a_sample_refuses_hole_lists_that_do_not_match_its_polygons():
    with pytest.raises(ValueError, match="polygon_holes"):
        Sample.from_image(
            np.zeros((4, 4, 3), np.uint8), polygons=[SQUARE], polygon_labels=[1], polygon_holes=[[HOLE], []]
        )
    # No hole anywhere is kept as the empty form.
    assert Sample.from_image(np.zeros((4, 4, 3), np.uint8), polygons=[SQUARE], polygon_labels=[1]).polygon_holes == []


def test_holes_flip_and_turn_with_their_polygon():
    flipped = run(HorizontalFlip(), ring_sample())
    np.testing.assert_allclose(flipped.holes(0)[0], [[25, 15], [15, 15], [15, 25], [25, 25]])
    turned = rotate90(ring_sample(size=(40, 60)), 1, 0.0)
    assert len(turned.holes(0)) == 1
    # The hole's pixels and the polygon's stay in the same relation after the turn.
    inside = polygon_pixels(turned.polygons[0], turned.holes(0), turned.image.shape[:2])
    assert inside.sum() == 400 - 100


def test_a_crop_that_leaves_out_a_hole_drops_it_and_keeps_the_polygon():
    out = crop(ring_sample(), 0, 0, 14, 40, 0.0)
    assert len(out.polygons) == 1 and out.holes(0) == []
    assert out.polygon_holes == []  # the empty form again: no polygon has a hole


def test_a_crop_through_a_hole_clips_it_and_measures_visibility_without_it():
    # Keep x < 20: half the square (10x20 = 200) less half the hole (5x10 = 50) stays, 150 of 300.
    kept = crop(ring_sample(), 0, 0, 20, 40, 0.5)
    assert polygon_area(kept.holes(0)[0]) == pytest.approx(50)
    dropped = crop(ring_sample(), 0, 0, 20, 40, 0.51)
    assert dropped.polygons == [] and dropped.polygon_holes == [] and len(dropped.boxes) == 0


def test_erasing_only_the_hole_leaves_the_polygon_whole_and_erasing_the_ring_hides_it():
    sample = ring_sample()
    hole_only = np.zeros((40, 40), bool)
    hole_only[15:25, 15:25] = True
    ring_only = polygon_pixels(sample.polygons[0], sample.holes(0), (40, 40))
    from augmentation.engine.geometry import drop_hidden_labels

    assert len(drop_hidden_labels(sample, hole_only, 1.0)["polygons"]) == 1
    labels = drop_hidden_labels(sample, ring_only, 0.0)
    assert labels["polygons"] == [] and labels["polygon_holes"] == []


def test_copy_paste_leaves_the_target_showing_through_the_hole_and_moves_the_hole():
    donor = ring_sample(value=250)
    out = run(CopyPaste(objects_range=(1, 1)), ring_sample(size=(60, 60), holes=(), value=30), seed=3, pool=[donor])
    (pasted_hole,) = out.holes(1)
    x0, y0 = pasted_hole.min(0).astype(int)
    assert (out.image[y0 + 1 : y0 + 9, x0 + 1 : x0 + 9] == 30).all()  # the target, not the donor, in the hole
    ring = polygon_pixels(out.polygons[1], out.holes(1), out.image.shape[:2])
    assert (out.image[ring] == 250).all() and ring.sum() == 300
    assert out.holes(0) == []  # the target's own polygon had none


def test_mosaic_keeps_holes_with_their_polygons():
    pool = [ring_sample(holes=()), ring_sample(), ring_sample(holes=())]
    out = run(Mosaic(center_range=(0.5, 0.5)), ring_sample(), pool=pool, seed=1)
    # Four sources, some with a hole and some without: every polygon keeps its own list, the sample's own one.
    assert len(out.polygon_holes) == len(out.polygons) == 4
    assert all(len(out.holes(index)) <= 1 for index in range(4)) and len(out.holes(0)) == 1


@PROPERTY_SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_holes_stay_inside_their_polygon_through_any_geometric_pipeline(seed):
    out = Pipeline.from_config(GEOMETRIC_PIPELINE)(ring_sample(), rng=np.random.default_rng(seed))
    assert len(out.polygon_holes) in (0, len(out.polygons))
    for index, polygon in enumerate(out.polygons):
        low, high = polygon.min(0), polygon.max(0)
        for hole in out.holes(index):
            assert len(hole) >= 3 and polygon_area(hole) > 0
            assert (hole >= low - 1e-3).all() and (hole <= high + 1e-3).all()
