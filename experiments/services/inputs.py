"""What the models read: image features or texts of items, loaded once per item per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from augmentation.services import samples
from experiments.baselines import features
from projects.models import Item
from projects.services import ServiceError

BATCH = 500


class ImageInputs:
    """Feature vectors of images, by item id (an item read once serves every set it is in)."""

    def __init__(self) -> None:
        self.rows: dict[int, np.ndarray] = {}

    def load(self, item_ids: Sequence[int]) -> None:
        missing = [item_id for item_id in item_ids if item_id not in self.rows]
        for start in range(0, len(missing), BATCH):
            items = Item.objects.in_bulk(missing[start : start + BATCH])
            for item_id in missing[start : start + BATCH]:
                self.rows[item_id] = features.image_features(read_image(items.get(item_id), item_id))

    def stack(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        return np.vstack(rows) if rows else np.zeros((0, features.feature_length()), dtype=np.float32)

    def of(self, item_ids: Sequence[int]) -> list[Any]:
        return [self.rows[item_id] for item_id in item_ids]


class TextInputs:
    """Texts of items, by item id; TF-IDF is fitted inside each model, on its own training texts."""

    def __init__(self) -> None:
        self.rows: dict[int, str] = {}

    def load(self, item_ids: Sequence[int]) -> None:
        missing = [item_id for item_id in item_ids if item_id not in self.rows]
        for start in range(0, len(missing), BATCH):
            self.rows.update(Item.objects.filter(pk__in=missing[start : start + BATCH]).values_list("pk", "text"))
        gone = [item_id for item_id in missing if item_id not in self.rows]
        if gone:
            raise ServiceError(f"Item {gone[0]} was deleted while the experiment ran.")

    def stack(self, rows: Sequence[str]) -> list[str]:
        return list(rows)

    def of(self, item_ids: Sequence[int]) -> list[Any]:
        return [self.rows[item_id] for item_id in item_ids]


def read_image(item: Item | None, item_id: int) -> np.ndarray:
    if item is None:
        raise ServiceError(f"Item {item_id} was deleted while the experiment ran.")
    try:
        return samples.decode_image(samples.read_file(item))
    except (OSError, ValueError) as error:
        raise ServiceError(f"The image of item {item_id} ({item.original_name}) could not be read: {error}") from None
