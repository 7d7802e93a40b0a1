"""Text transforms; importing this package registers them all."""

from augmentation.engine.text import eda, noise, paraphrase

__all__ = ["eda", "noise", "paraphrase"]
