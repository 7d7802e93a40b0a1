"""Geometric transforms: exact pixels on small arrays and hand-computed label geometry."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from augmentation.engine import Pipeline, Sample
from augmentation.engine.geometry import rasterize_polygon
from augmentation.engine.image.crops import CenterCrop, CropAroundBox, Letterbox, RandomResizedCrop, Resize
from augmentation.engine.image.distortion import ElasticTransform, GridDistortion
from augmentation.engine.image.geometric import Affine, HorizontalFlip, Perspective, Rotate, VerticalFlip, rotate90
from augmentation.engine.transform import Context

from .conftest import gradient_image


def run(transform, sample: Sample, seed: int = 0, min_visibility: float = 0.0) -> Sample:
    return transform.apply(sample, np.random.default_rng(seed), Context(min_visibility=min_visibility))


def test_horizontal_flip_mirrors_pixels_boxes_polygons_and_mask(labelled_sample):
    out = run(HorizontalFlip(), labelled_sample)
    assert np.array_equal(out.image, labelled_sample.image[:, ::-1])
    assert np.array_equal(out.mask, labelled_sample.mask[:, ::-1])
    np.testing.assert_allclose(out.boxes, [[35, 10, 55, 20], [5, 5, 20, 35]])
    np.testing.assert_allclose(out.polygons[0], [[30, 20], [10, 20], [20, 35]])
    assert out.box_labels.tolist() == [3, 7] and out.polygon_labels.tolist() == [9]
    assert out.image_label == 1


def test_vertical_flip_mirrors_pixels_and_boxes(labelled_sample):
    out = run(VerticalFlip(), labelled_sample)
    assert np.array_equal(out.image, labelled_sample.image[::-1])
    np.testing.assert_allclose(out.boxes, [[5, 20, 25, 30], [40, 5, 55, 35]])


def test_quarter_turn_matches_numpy_rot90_and_moves_boxes_counter_clockwise(labelled_sample):
    out = rotate90(labelled_sample, 1, 0.0)
    assert out.image.shape == (60, 40, 3)
    assert np.array_equal(out.image, np.rot90(labelled_sample.image))
    assert np.array_equal(out.mask, np.rot90(labelled_sample.mask))
    # (x, y) -> (y, W - x) with W = 60.
    np.testing.assert_allclose(out.boxes, [[10, 35, 20, 55], [5, 5, 35, 20]])


def test_rotate_by_90_degrees_with_nearest_sampling_equals_rot90_on_a_square_image():
    image = gradient_image(8, 8)
    sample = Sample.from_image(image, boxes=[[1, 2, 3, 7]], box_labels=[0])
    out = run(Rotate(limit=(90, 90), interpolation="nearest"), sample)
    assert np.array_equal(out.image, np.rot90(image))
    np.testing.assert_allclose(out.boxes, [[2, 5, 7, 7]], atol=1e-4)


def hand_rotated(points, angle, center):
    """Counter-clockwise on screen (y grows downwards): x' = cx + c·dx + s·dy, y' = cy - s·dx + c·dy."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [
        (center[0] + c * (x - center[0]) + s * (y - center[1]), center[1] - s * (x - center[0]) + c * (y - center[1]))
        for x, y in points
    ]


@pytest.mark.parametrize("angle", [-37.0, 12.5, 30.0, 135.0])
def test_rotated_box_is_the_bounds_of_its_hand_rotated_corners(angle):
    sample = Sample.from_image(np.zeros((80, 100, 3), np.uint8), boxes=[[40, 30, 60, 50]], box_labels=[5])
    out = run(Rotate(limit=(angle, angle)), sample)
    corners = np.array(hand_rotated([(40, 30), (60, 30), (60, 50), (40, 50)], angle, (50, 40)))
    np.testing.assert_allclose(out.boxes[0], [*corners.min(0), *corners.max(0)], atol=1e-3)


def test_box_outlining_a_polygon_is_recomputed_from_the_rotated_polygon_not_its_corners():
    triangle = [[40, 30], [60, 30], [50, 50]]
    sample = Sample.from_image(
        np.zeros((80, 100, 3), np.uint8), polygons=[triangle], polygon_labels=[2], boxes_from_polygons=True
    )
    out = run(Rotate(limit=(45, 45)), sample)
    rotated = np.array(hand_rotated(triangle, 45, (50, 40)))
    np.testing.assert_allclose(out.polygons[0], rotated, atol=1e-3)
    np.testing.assert_allclose(out.boxes[0], [*rotated.min(0), *rotated.max(0)], atol=1e-3)
    assert out.box_polygon.tolist() == [0] and out.box_labels.tolist() == [2]


def test_rotated_pixels_turn_the_same_way_as_the_boxes():
    image = np.zeros((50, 50, 3), np.uint8)
    image[10:20, 30:45] = 255
    sample = Sample.from_image(image, boxes=[[30, 10, 45, 20]], box_labels=[1])
    out = run(Rotate(limit=(33, 33)), sample)
    x0, y0, x1, y1 = out.boxes[0]
    bright = np.argwhere(out.image[:, :, 0] > 128)
    assert (
        bright[:, 1].min() >= x0 - 1
        and bright[:, 1].max() <= x1
        and bright[:, 0].min() >= y0 - 1
        and bright[:, 0].max() <= y1
    )


def test_center_crop_shifts_and_clips_labels_and_drops_shapes_below_min_visibility(labelled_sample):
    crop = CenterCrop(height=20, width=30)  # window x 15..45, y 10..30
    kept = run(crop, labelled_sample, min_visibility=0.4)
    np.testing.assert_allclose(kept.boxes, [[0, 0, 10, 10]])  # half of box 0 visible; box 1 only 22 %
    assert kept.box_labels.tolist() == [3]
    assert np.array_equal(kept.image, labelled_sample.image[10:30, 15:45])
    assert np.array_equal(kept.mask, labelled_sample.mask[10:30, 15:45])
    assert kept.polygons[0][:, 0].max() <= 30 and kept.polygons[0][:, 1].max() <= 20
    dropped = run(crop, labelled_sample, min_visibility=0.6)
    assert len(dropped.boxes) == 0 and len(dropped.box_labels) == 0


def test_crop_never_changes_the_image_level_class(labelled_sample):
    out = run(CenterCrop(height=5, width=5), labelled_sample, min_visibility=0.9)
    assert out.image_label == labelled_sample.image_label and len(out.boxes) == 0


@pytest.mark.parametrize(
    ("fill_mode", "border"),
    [
        ("constant", cv2.BORDER_CONSTANT),
        ("replicate", cv2.BORDER_REPLICATE),
        ("reflect", cv2.BORDER_REFLECT_101),
        ("wrap", cv2.BORDER_WRAP),
    ],
)
def test_fill_modes_fill_uncovered_pixels_like_opencv_borders(fill_mode, border):
    image = gradient_image(4, 4)
    sample = Sample.from_image(image)
    shift = Affine(translate_percent=(0.25, 0.25), interpolation="nearest", fill_mode=fill_mode, fill=7)
    out = run(shift, sample)
    expected = cv2.copyMakeBorder(image, 1, 0, 1, 0, border, value=(7, 7, 7))[:4, :4]
    assert np.array_equal(out.image, expected)


def test_constant_fill_uses_the_chosen_colour_and_mask_class():
    sample = Sample.from_image(np.full((4, 4, 3), 50, np.uint8), mask=np.ones((4, 4), np.uint8))
    out = run(Affine(translate_percent=(0.5, 0.5), interpolation="nearest", fill=(1, 2, 3), fill_mask=9), sample)
    assert out.image[0, 0].tolist() == [1, 2, 3] and out.image[3, 3].tolist() == [50, 50, 50]
    assert out.mask[0, 0] == 9 and out.mask[3, 3] == 1


def test_resize_scales_boxes_and_resamples_the_mask_by_nearest_neighbour(labelled_sample):
    out = run(Resize(height=20, width=30), labelled_sample)
    np.testing.assert_allclose(out.boxes, [[2.5, 5, 12.5, 10], [20, 2.5, 27.5, 17.5]])
    assert set(np.unique(out.mask)) == {0, 3} and out.mask.shape == (20, 30)


def test_letterbox_keeps_aspect_ratio_and_pads_with_the_fill_colour(labelled_sample):
    out = run(Letterbox(height=60, width=60), labelled_sample)
    assert out.image.shape == (60, 60, 3)
    assert np.array_equal(out.image[10:50], labelled_sample.image)
    assert (out.image[:10] == 114).all() and (out.mask[:10] == 0).all()
    np.testing.assert_allclose(out.boxes, labelled_sample.boxes + np.array([0, 10, 0, 10]))


def test_random_resized_crop_outputs_the_requested_size_with_boxes_inside(labelled_sample):
    for seed in range(10):
        out = run(RandomResizedCrop(height=16, width=24, scale=(0.3, 1.0)), labelled_sample, seed)
        assert out.image.shape == (16, 24, 3) and out.mask.shape == (16, 24)
        assert (out.boxes[:, [0, 2]] <= 24).all() and (out.boxes[:, [1, 3]] <= 16).all() and (out.boxes >= 0).all()


def test_crop_around_box_keeps_the_chosen_box_whole(labelled_sample):
    for seed in range(10):
        out = run(CropAroundBox(height=32, width=32), labelled_sample, seed)
        widths = out.boxes[:, 2] - out.boxes[:, 0]
        heights = out.boxes[:, 3] - out.boxes[:, 1]
        whole = [(20, 10), (15, 30)]
        assert any(
            any(abs(w - ww) < 1e-4 and abs(h - hh) < 1e-4 for ww, hh in whole)
            for w, h in zip(widths, heights, strict=True)
        )


def test_perspective_keeps_size_and_boxes_inside(labelled_sample):
    out = run(Perspective(scale=(0.05, 0.15)), labelled_sample, 3)
    assert out.image.shape == labelled_sample.image.shape
    assert (out.boxes >= 0).all() and (out.boxes[:, [0, 2]] <= 60).all() and (out.boxes[:, [1, 3]] <= 40).all()


def test_elastic_transform_without_displacement_changes_nothing(labelled_sample):
    out = run(ElasticTransform(alpha=0.0, sigma=5.0), labelled_sample)
    assert np.array_equal(out.image, labelled_sample.image)
    np.testing.assert_allclose(out.boxes, labelled_sample.boxes, atol=1e-4)


def polygon_mask_sample() -> Sample:
    polygon = np.array([[20, 15], [45, 12], [50, 40], [22, 44]], np.float32)
    mask = rasterize_polygon(polygon, (60, 70)).astype(np.uint8)
    return Sample.from_image(
        gradient_image(60, 70), polygons=[polygon], polygon_labels=[1], mask=mask, boxes_from_polygons=True
    )


def pixels_beyond_one_pixel_of(region: np.ndarray, mask: np.ndarray) -> int:
    """Pixels where `region` and `mask` disagree by more than one pixel of the mask's border."""
    kernel = np.ones((3, 3), np.uint8)
    outside = region & ~cv2.dilate(mask, kernel).astype(bool)
    missing = cv2.erode(mask, kernel).astype(bool) & ~region
    return int(outside.sum() + missing.sum())


@pytest.mark.parametrize(
    "transform",
    [
        GridDistortion(num_steps=4, distort_limit=(-0.4, 0.4)),
        ElasticTransform(alpha=40.0, sigma=6.0),
        Perspective(scale=(0.1, 0.1)),
        Rotate(limit=(20, 50)),
    ],
    ids=["grid", "elastic", "perspective", "rotate"],
)
def test_warps_move_polygons_with_the_pixels_of_the_mask(transform):
    sample = polygon_mask_sample()
    for seed in range(4):
        out = run(transform, sample, seed)
        warped = rasterize_polygon(out.polygons[0], (60, 70))
        # Nearest-neighbour resampling may move the mask's border by a pixel; the label must not move further.
        assert pixels_beyond_one_pixel_of(warped, out.mask) <= 0.01 * out.mask.sum()
        np.testing.assert_allclose(out.boxes[0], [*out.polygons[0].min(0), *out.polygons[0].max(0)])


def test_a_pipeline_drops_a_box_pushed_mostly_out_of_the_image():
    sample = Sample.from_image(
        np.zeros((40, 40, 3), np.uint8), boxes=[[30, 10, 40, 20], [5, 5, 15, 15]], box_labels=[1, 2]
    )
    pipeline = Pipeline.from_config(
        {"min_visibility": 0.5, "steps": [{"type": "Affine", "translate_percent": [0.2, 0.2]}]}
    )
    out = pipeline(sample, rng=np.random.default_rng(0))
    assert out.box_labels.tolist() == [2]
    np.testing.assert_allclose(out.boxes, [[13, 13, 23, 23]])
