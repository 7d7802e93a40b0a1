"""Colour, filter and noise transforms: exact values on small arrays; labels pass through untouched."""

from __future__ import annotations

import numpy as np
import pytest

from augmentation.engine import Sample
from augmentation.engine.image import colour, filters, noise
from augmentation.engine.transform import Context

from .conftest import gradient_image


def apply(transform, image: np.ndarray, seed: int = 0) -> np.ndarray:
    sample = Sample.from_image(image, boxes=[[1, 1, 3, 3]], box_labels=[4])
    out = transform.apply(sample, np.random.default_rng(seed), Context())
    assert out.boxes is sample.boxes and out.box_labels is sample.box_labels  # labels untouched
    assert out.image.shape == image.shape and out.image.dtype == np.uint8
    return out.image


RAMP = np.array([[[0, 100, 200], [10, 128, 255]]], dtype=np.uint8)  # 1x2 RGB


def test_brightness_adds_a_fraction_of_255_and_clips():
    out = apply(colour.RandomBrightnessContrast(brightness_limit=(0.1, 0.1), contrast_limit=(0, 0)), RAMP)
    assert out.tolist() == [[[26, 126, 226], [36, 154, 255]]]


def test_contrast_multiplies_values():
    out = apply(colour.RandomBrightnessContrast(brightness_limit=(0, 0), contrast_limit=(0.5, 0.5)), RAMP)
    assert out.tolist() == [[[0, 150, 255], [15, 192, 255]]]


def test_gamma_above_one_darkens_midtones_and_keeps_the_ends():
    out = apply(colour.RandomGamma(gamma_limit=(200, 200)), RAMP)
    assert out.tolist() == [[[0, 39, 157], [0, 64, 255]]]


def test_invert_solarize_and_posterize_follow_their_formulas():
    assert apply(colour.InvertImg(), RAMP).tolist() == [[[255, 155, 55], [245, 127, 0]]]
    assert apply(colour.Solarize(threshold_range=(0.5, 0.5)), RAMP).tolist() == [[[0, 100, 55], [10, 127, 0]]]
    assert apply(colour.Posterize(num_bits=(2, 2)), RAMP).tolist() == [[[0, 64, 192], [0, 128, 192]]]


def test_rgb_shift_moves_each_channel_by_its_own_amount():
    shift = colour.RGBShift(r_shift_limit=(10, 10), g_shift_limit=(-100, -100), b_shift_limit=(0, 0))
    assert apply(shift, RAMP).tolist() == [[[10, 0, 200], [20, 28, 255]]]


def test_channel_shuffle_permutes_channels():
    image = gradient_image(3, 3)
    out = apply(colour.ChannelShuffle(), image, seed=1)
    permutation = [int(np.argmax([(out[..., k] == image[..., c]).all() for c in range(3)])) for k in range(3)]
    assert sorted(permutation) == [0, 1, 2] and np.array_equal(out, image[..., permutation])


def test_to_gray_writes_luma_to_all_channels():
    out = apply(colour.ToGray(), RAMP)
    assert out[0, 0].tolist() == [81, 81, 81]  # 0.299·0 + 0.587·100 + 0.114·200 = 81.5, OpenCV fixed point
    assert (out[..., 0] == out[..., 2]).all()


def test_zero_hsv_shift_is_the_identity_and_hue_shift_changes_colour():
    image = gradient_image(4, 4)
    assert np.array_equal(
        apply(colour.HueSaturationValue(hue_shift_limit=(0, 0), sat_shift_limit=(0, 0), val_shift_limit=(0, 0)), image),
        image,
    )
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    green_ish = apply(
        colour.HueSaturationValue(hue_shift_limit=(60, 60), sat_shift_limit=(0, 0), val_shift_limit=(0, 0)), red
    )
    assert green_ish[0, 0].tolist() == [0, 255, 0]


def test_equalize_stretches_a_narrow_histogram_to_the_full_range():
    image = np.repeat(np.arange(100, 116, dtype=np.uint8).reshape(4, 4, 1), 3, axis=2)
    out = apply(colour.Equalize(), image)
    assert out.min() == 0 and out.max() == 255


def test_clahe_and_colour_jitter_are_reproducible():
    image = gradient_image(32, 32)
    for transform in (colour.CLAHE(), colour.ColorJitter()):
        assert np.array_equal(apply(transform, image, 5), apply(transform, image, 5))


def test_gaussian_blur_keeps_a_flat_image_flat_and_smooths_an_edge():
    flat = np.full((9, 9, 3), 77, np.uint8)
    assert np.array_equal(apply(filters.GaussianBlur(), flat), flat)
    edge = np.zeros((9, 9, 3), np.uint8)
    edge[:, 5:] = 255
    out = apply(filters.GaussianBlur(sigma_limit=(1, 1)), edge)
    assert 0 < out[4, 4, 0] < 255 and out[4, 0, 0] == 0


def test_median_blur_removes_a_single_speck():
    image = np.full((7, 7, 3), 40, np.uint8)
    image[3, 3] = 255
    assert (apply(filters.MedianBlur(blur_limit=(3, 3)), image) == 40).all()


def test_motion_kernel_is_normalised_line():
    kernel = filters.motion_kernel(5, 0.0, 0.0)
    assert kernel.sum() == pytest.approx(1.0)
    assert np.count_nonzero(kernel[2]) == 5 and np.count_nonzero(kernel) == 5


def test_sharpen_and_emboss_with_zero_alpha_are_the_identity():
    image = gradient_image(6, 6)
    assert np.array_equal(apply(filters.Sharpen(alpha=(0, 0)), image), image)
    assert np.array_equal(apply(filters.Emboss(alpha=(0, 0)), image), image)


def test_kernel_sizes_must_be_odd():
    from augmentation.engine import PipelineError

    with pytest.raises(PipelineError, match="blur_limit: kernel sizes must be odd"):
        filters.MedianBlur(blur_limit=(3, 4))


def test_gauss_noise_with_zero_spread_changes_nothing_and_otherwise_adds_zero_mean_noise():
    image = np.full((64, 64, 3), 128, np.uint8)
    assert np.array_equal(apply(noise.GaussNoise(std_range=(0, 0)), image), image)
    noisy = apply(noise.GaussNoise(std_range=(0.1, 0.1)), image).astype(float)
    assert abs(noisy.mean() - 128) < 1 and 24 < noisy.std() < 27  # 0.1 x 255 = 25.5


def test_iso_noise_and_jpeg_compression_degrade_but_keep_the_picture():
    image = np.ascontiguousarray(np.broadcast_to(np.linspace(0, 255, 32, dtype=np.uint8)[None, :, None], (32, 32, 3)))
    for transform in (noise.ISONoise(), noise.ImageCompression(quality_range=(10, 10))):
        out = apply(transform, image)
        assert 0 < np.abs(out.astype(int) - image).mean() < 20


def test_jpeg_round_trip_keeps_rgb_channel_order():
    red = np.zeros((16, 16, 3), np.uint8)
    red[..., 0] = 255
    assert noise.jpeg_round_trip(red, 95)[8, 8].argmax() == 0


def test_downscale_loses_detail_by_the_chosen_factor():
    checker = (np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8)[:, :, None].repeat(3, 2)
    out = apply(noise.Downscale(scale_range=(0.5, 0.5), down_interpolation="area", up_interpolation="nearest"), checker)
    assert (out == 128).all() or (out == 127).all()


def test_crappify_degrades_and_draws_overlays_reproducibly():
    image = np.full((64, 96, 3), 200, np.uint8)
    transform = noise.Crappify(overlay="both", overlay_count=(3, 3))
    first, second = apply(transform, image, 9), apply(transform, image, 9)
    assert np.array_equal(first, second)
    assert (np.abs(first.astype(int) - 200) > 40).any()  # something was drawn
    assert not np.array_equal(first, apply(transform, image, 10))
