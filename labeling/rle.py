"""COCO run-length encoding of binary masks, written with numpy (no pycocotools at run time).

Counts run over the mask in column-major (Fortran) order and always start with a run of zeros, which
may be empty. The compressed string is COCO's `rleToString`: each count (from the fourth on, as the
difference to the count two places back) in 5-bit groups, low group first, each group stored as a
character from '0' (48) upwards with bit 0x20 meaning "more groups follow" and bit 0x10 of the last
group giving the sign.
"""

from __future__ import annotations

import numpy as np

_FIRST_CHAR = 48
_LAST_CHAR = _FIRST_CHAR + 63


class RLEError(ValueError):
    """The run-length data is malformed."""


def encode(mask: np.ndarray) -> list[int]:
    """Counts of a 2-D mask (any dtype; non-zero is foreground), in COCO's column-major order."""
    if mask.ndim != 2:
        raise RLEError("A mask must be two-dimensional.")
    flat = np.asarray(mask, dtype=bool).ravel(order="F")
    if flat.size == 0:
        return [0]
    # Positions where the value changes, with the start (as a change from an implicit 0) and the end.
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    boundaries = np.concatenate(([0], changes, [flat.size]))
    counts = np.diff(boundaries).tolist()
    if flat[0]:
        counts.insert(0, 0)
    return [int(c) for c in counts]


def decode(counts: list[int], height: int, width: int) -> np.ndarray:
    """The HxW boolean mask of the counts; they must sum to height x width."""
    runs = np.asarray(counts, dtype=np.int64)
    if runs.size and runs.min() < 0:
        raise RLEError("Run lengths cannot be negative.")
    if int(runs.sum()) != height * width:
        raise RLEError(f"Run lengths sum to {int(runs.sum())}, not height x width = {height * width}.")
    values = np.zeros(runs.size, dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape((height, width), order="F")


def to_string(counts: list[int]) -> str:
    """COCO's compressed string form of the counts (lossless: `from_string` gives the same list back)."""
    out: list[str] = []
    for index, count in enumerate(counts):
        value = int(count) - (int(counts[index - 2]) if index > 2 else 0)
        more = True
        while more:
            group = value & 0x1F
            value >>= 5  # Python's shift on negative ints is arithmetic, as COCO's on signed longs
            more = value != -1 if group & 0x10 else value != 0
            if more:
                group |= 0x20
            out.append(chr(group + _FIRST_CHAR))
    return "".join(out)


def from_string(text: str) -> list[int]:
    """Counts of a COCO compressed string; raises RLEError on characters outside the alphabet."""
    counts: list[int] = []
    position = 0
    length = len(text)
    while position < length:
        value = 0
        shift = 0
        more = True
        while more:
            if position >= length:
                raise RLEError("The compressed counts end in the middle of a number.")
            code = ord(text[position]) - _FIRST_CHAR
            if not 0 <= code <= _LAST_CHAR - _FIRST_CHAR:
                raise RLEError(f"Character {text[position]!r} at {position} is not part of COCO's RLE alphabet.")
            value |= (code & 0x1F) << shift
            more = bool(code & 0x20)
            position += 1
            shift += 5
            if not more and code & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def area(counts: list[int]) -> int:
    """Foreground pixels: the sum of the odd-indexed runs."""
    return int(sum(counts[1::2]))


def bounding_box(counts: list[int], height: int) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of the foreground, in whole pixels, computed from the runs without decoding."""
    runs = np.asarray(counts, dtype=np.int64)
    ends = np.cumsum(runs)
    starts = ends - runs
    foreground = np.arange(runs.size) % 2 == 1
    nonempty = foreground & (runs > 0)
    if not nonempty.any() or height <= 0:
        return None
    first = starts[nonempty]
    last = ends[nonempty] - 1
    first_column, first_row = np.divmod(first, height)
    last_column, last_row = np.divmod(last, height)
    # A run that crosses into another column covers every row in between.
    spans_columns = last_column > first_column
    top = np.where(spans_columns, 0, first_row).min()
    bottom = np.where(spans_columns, height - 1, last_row).max()
    left = int(first_column.min())
    right = int(last_column.max())
    return left, int(top), right - left + 1, int(bottom - top + 1)
