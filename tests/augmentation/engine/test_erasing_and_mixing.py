"""Erasing (with hidden shapes removed) and mixing transforms that draw extra samples from a pool."""

from __future__ import annotations

import numpy as np
import pytest

from augmentation.engine import Pipeline, Sample
from augmentation.engine.image.erasing import CoarseDropout, GridMask, RandomErasing
from augmentation.engine.image.mixing import CopyPaste, CutMix, MixUp, Mosaic
from augmentation.engine.transform import Context


def run(transform, sample, seed=0, min_visibility=0.0, pool=None):
    return transform.apply(sample, np.random.default_rng(seed), Context(min_visibility=min_visibility, pool=pool))


def grid_sample() -> Sample:
    """A 5x5 polygon with its linked box, plus unlinked boxes [0,10]² and [5,10]², on a 20x20 image."""
    return Sample(
        image=np.full((20, 20, 3), 9, np.uint8),
        boxes=np.array([[0, 0, 5, 5], [0, 0, 10, 10], [5, 5, 10, 10]], np.float32),
        box_labels=np.array([4, 1, 2]),
        polygons=[np.array([[0, 0], [5, 0], [5, 5], [0, 5]], np.float32)],
        polygon_labels=np.array([4]),
        mask=np.ones((20, 20), np.int32),
        box_polygon=np.array([0, -1, -1]),
    )


def test_grid_mask_erases_a_regular_pattern_and_removes_fully_hidden_shapes():
    out = run(GridMask(ratio=0.5, unit_size_range=(10, 10), random_offset=False, fill=0, fill_mask=0), grid_sample())
    hidden = np.zeros((20, 20), bool)
    for y in (0, 10):
        for x in (0, 10):
            hidden[y : y + 5, x : x + 5] = True
    assert (out.image[hidden] == 0).all() and (out.image[~hidden] == 9).all()
    assert (out.mask[hidden] == 0).all() and (out.mask[~hidden] == 1).all()
    # The polygon [0,5]² and its box are fully hidden; box [0,10]² is 75 % visible; [5,10]² untouched.
    assert out.polygons == [] and out.box_labels.tolist() == [1, 2] and out.box_polygon.tolist() == [-1, -1]


def test_erasing_removes_shapes_left_less_visible_than_min_visibility():
    out = run(GridMask(ratio=0.5, unit_size_range=(10, 10), random_offset=False), grid_sample(), min_visibility=0.8)
    assert out.box_labels.tolist() == [2]


def test_erasing_only_inside_boxes_leaves_the_background_alone():
    sample = Sample.from_image(np.full((30, 30, 3), 9, np.uint8), boxes=[[10, 10, 20, 20]], box_labels=[1])
    out = run(
        CoarseDropout(num_holes_range=(1, 1), hole_height_range=(1, 1), hole_width_range=(1, 1), region="inside_boxes"),
        sample,
    )
    assert (out.image[10:20, 10:20] == 0).all()
    out.image[10:20, 10:20] = 9
    assert (out.image == 9).all() and len(out.boxes) == 0  # the box lost every pixel


def test_erasing_only_outside_boxes_keeps_every_box_pixel_and_label():
    sample = Sample.from_image(np.full((30, 30, 3), 9, np.uint8), boxes=[[10, 10, 20, 20]], box_labels=[1])
    out = run(
        CoarseDropout(
            num_holes_range=(1, 1), hole_height_range=(1, 1), hole_width_range=(1, 1), region="outside_boxes", fill=5
        ),
        sample,
    )
    assert (out.image[10:20, 10:20] == 9).all() and (out.image[:10] == 5).all()
    assert out.box_labels.tolist() == [1]


def test_random_erasing_with_random_fill_is_reproducible():
    sample = Sample.from_image(np.full((32, 32, 3), 9, np.uint8))
    transform = RandomErasing(scale=(0.2, 0.2), random_fill=True)
    first, second = run(transform, sample, 3), run(transform, sample, 3)
    assert np.array_equal(first.image, second.image)
    assert np.isclose((first.image != 9).any(axis=2).mean(), 0.2, atol=0.05)


def flat(value: int, label: int, size=(20, 20), with_mask=True) -> Sample:
    return Sample.from_image(
        np.full((*size, 3), value, np.uint8),
        boxes=[[5, 5, 15, 15]],
        box_labels=[label],
        mask=np.full(size, label, np.int32) if with_mask else None,
        image_label=label,
    )


def test_mixing_without_a_pool_explains_how_to_pass_one():
    with pytest.raises(ValueError, match="pool="):
        run(MixUp(), flat(100, 1))


def test_mixup_blends_pixels_and_stores_matching_soft_labels():
    out = run(MixUp(alpha=0.4), flat(100, 1), seed=4, pool=[flat(200, 2, with_mask=False)])
    share = out.label_weights[1]
    assert sum(out.label_weights.values()) == pytest.approx(1.0)
    assert np.abs(out.image.astype(float) - (100 * share + 200 * (1 - share))).max() <= 1
    assert out.image_label == (1 if share >= 0.5 else 2)
    assert out.box_labels.tolist() == [1, 2] and out.mask is None  # the other sample had no mask


def test_cutmix_weights_labels_by_the_pasted_area_and_moves_the_mask_with_pixels():
    for seed in range(5):
        out = run(CutMix(), flat(100, 1), seed=seed, pool=[flat(200, 2)])
        pasted = out.image[..., 0] == 200
        assert out.label_weights.get(2, 0.0) == pytest.approx(pasted.mean())
        assert np.array_equal(out.mask == 2, pasted)


def test_mosaic_places_four_samples_in_quarters_and_keeps_their_boxes():
    pool = [flat(60, 2, (10, 30)), flat(90, 3, (30, 10)), flat(120, 4)]
    out = run(Mosaic(center_range=(0.5, 0.5)), flat(30, 1), pool=pool)
    assert out.image.shape == (20, 20, 3)
    assert out.image[0, 0, 0] == 30 and out.image[0, 19, 0] in (60, 90, 120) and out.image[19, 19, 0] in (60, 90, 120)
    assert sorted(out.box_labels.tolist())[0] == 1 and len(out.boxes) == 4
    np.testing.assert_allclose(out.boxes[0], [2.5, 2.5, 7.5, 7.5])
    assert sum(out.label_weights.values()) == pytest.approx(1.0) and out.label_weights[1] == pytest.approx(0.25)
    assert out.mask[0, 0] == 1


def test_copy_paste_adds_the_object_with_a_linked_box_and_its_mask_class():
    donor_image = np.zeros((20, 20, 3), np.uint8)
    donor_image[4:12, 4:12] = 250
    donor = Sample.from_image(
        donor_image, polygons=[[[4, 4], [12, 4], [12, 12], [4, 12]]], polygon_labels=[6], boxes_from_polygons=True
    )
    target = flat(30, 1, (40, 40))
    out = run(CopyPaste(objects_range=(1, 1)), target, seed=2, pool=[donor])
    assert (
        out.polygon_labels.tolist() == [6] and out.box_labels.tolist() == [1, 6] and out.box_polygon.tolist() == [-1, 0]
    )
    x0, y0, x1, y1 = out.boxes[1]
    assert (x1 - x0, y1 - y0) == (8, 8)
    assert (out.image[int(y0) : int(y1), int(x0) : int(x1)] == 250).all()
    assert (out.mask[int(y0) : int(y1), int(x0) : int(x1)] == 6).all()


def test_copy_paste_removes_objects_it_covers():
    donor = Sample.from_image(
        np.full((20, 20, 3), 250, np.uint8),
        polygons=[[[0, 0], [20, 0], [20, 20], [0, 20]]],
        polygon_labels=[6],
        boxes_from_polygons=True,
    )
    out = run(CopyPaste(objects_range=(1, 1)), flat(30, 1), pool=[donor])
    assert out.box_labels.tolist() == [6]


def test_pipeline_passes_the_pool_to_mixing_steps_and_draws_from_it_reproducibly():
    pipeline = Pipeline.from_config({"steps": [{"type": "Mosaic"}]})
    pool = [flat(value, value) for value in (10, 20, 30, 40, 50)]
    first = pipeline(flat(1, 1), rng=np.random.default_rng(8), pool=pool)
    again = pipeline(flat(1, 1), rng=np.random.default_rng(8), pool=lambda rng: pool[int(rng.integers(0, 5))])
    assert np.array_equal(first.image, pipeline(flat(1, 1), rng=np.random.default_rng(8), pool=pool).image)
    assert again.image.shape == first.image.shape


def test_hidden_fractions_are_the_same_for_many_boxes_as_for_few():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 60, (40, 2))
    boxes = np.concatenate([corners, corners + rng.uniform(2, 20, (40, 2))], axis=1).clip(0, 64)
    sample = Sample.from_image(np.zeros((64, 64, 3), np.uint8), boxes=boxes, box_labels=range(40))
    transform = GridMask(ratio=0.6, unit_size_range=(8, 8), random_offset=False)
    many = run(transform, sample, min_visibility=0.5).box_labels.tolist()
    few = [
        label
        for label in range(40)
        if run(
            transform,
            Sample.from_image(sample.image, boxes=boxes[label : label + 1], box_labels=[label]),
            min_visibility=0.5,
        ).box_labels.size
    ]
    assert many == few and 0 < len(many) < 40
