"""Our numpy RLE codec against pycocotools on random masks."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as coco
import pytest

from labeling import rle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pycocotools.*")


def random_masks(count=300, seed=7):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        height, width = (int(v) for v in rng.integers(1, 60, size=2))
        density = rng.random()
        yield (rng.random((height, width)) < density).astype(np.uint8)


def test_compressed_string_matches_pycocotools():
    for mask in random_masks():
        ours = rle.to_string(rle.encode(mask))
        theirs = coco.encode(np.asfortranarray(mask))["counts"].decode()
        assert ours == theirs


def test_pycocotools_strings_decode_to_the_same_mask():
    for mask in random_masks(seed=11):
        encoded = coco.encode(np.asfortranarray(mask))
        counts = rle.from_string(encoded["counts"].decode())
        assert np.array_equal(rle.decode(counts, *mask.shape), coco.decode(encoded).astype(bool))


def test_area_and_bounding_box_match_pycocotools():
    for mask in random_masks(seed=13):
        encoded = coco.encode(np.asfortranarray(mask))
        counts = rle.encode(mask)
        assert rle.area(counts) == int(coco.area(encoded))
        if mask.any():
            assert rle.bounding_box(counts, mask.shape[0]) == tuple(int(v) for v in coco.toBbox(encoded))
        else:
            assert rle.bounding_box(counts, mask.shape[0]) is None


def test_large_counts_round_trip_through_the_string_form():
    counts = [0, 1, 10**9, 3, 2**40, 0, 7]
    assert rle.from_string(rle.to_string(counts)) == counts


def test_counts_that_do_not_cover_the_mask_cannot_be_decoded():
    with pytest.raises(rle.RLEError, match="sum to 5"):
        rle.decode([2, 3], 2, 3)


def test_truncated_string_is_an_error():
    with pytest.raises(rle.RLEError, match="middle of a number"):
        rle.from_string("0" + chr(48 + 0x20))
