"""Small draws every transform makes, written once so they consume the generator the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def choose(rng: np.random.Generator, options: Sequence[T] | np.ndarray) -> T:
    """One element (a row, for an array), uniformly."""
    return options[int(rng.integers(0, len(options)))]  # type: ignore[return-value]


def integer_between(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """A whole number in [low, high], both included (parameter ranges are inclusive)."""
    return int(rng.integers(bounds[0], bounds[1] + 1))
