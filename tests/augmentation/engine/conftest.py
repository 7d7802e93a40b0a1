"""Fixtures for the engine's tests. The engine is plain Python: nothing here needs Django or a database."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

from augmentation.engine import Resources, Sample

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def nltk_data() -> Path:
    """The WordNet install the Makefile makes; a missing one is a broken setup, so fail rather than skip."""
    folder = Path(os.environ.get("TANDEM_NLTK_DATA", REPO / ".data" / "nltk_data"))
    if not (folder / "corpora" / "wordnet" / "index.noun").is_file():
        pytest.fail(
            f"WordNet is not installed in {folder}: run `make test` (it runs "
            f"`python scripts/install_wordnet.py {folder}`) or set TANDEM_NLTK_DATA"
        )
    return folder


@pytest.fixture(scope="session")
def wordnet_resources(nltk_data: Path) -> Resources:
    return Resources(nltk_data=nltk_data)


def gradient_image(height: int = 6, width: int = 8, channels: int = 3) -> np.ndarray:
    """Every pixel distinct, so any misplaced pixel shows in an exact comparison."""
    values = np.arange(height * width * channels, dtype=np.int64).reshape(height, width, channels)
    return (values % 251).astype(np.uint8)


@pytest.fixture
def labelled_sample() -> Sample:
    image = gradient_image(40, 60)
    mask = np.zeros((40, 60), dtype=np.int32)
    mask[10:20, 5:25] = 3
    return Sample.from_image(
        image,
        boxes=[[5, 10, 25, 20], [40, 5, 55, 35]],
        box_labels=[3, 7],
        polygons=[[[30, 20], [50, 20], [40, 35]]],
        polygon_labels=[9],
        mask=mask,
        image_label=1,
    )
