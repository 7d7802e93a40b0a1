"""Image transforms; importing this package registers them all."""

from augmentation.engine.image import colour, crops, distortion, erasing, filters, geometric, mixing, noise

__all__ = ["colour", "crops", "distortion", "erasing", "filters", "geometric", "mixing", "noise"]
