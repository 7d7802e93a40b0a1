"""Signals projects sends so later apps can react without projects importing them."""

from django.dispatch import Signal

# Sent inside the upload's transaction after items are created, with
# project, user, and labels: list[(Item, dict)] where dict holds "image_class" / "text_class" / "spans"
# found in the upload (class folders, CSV label column, JSONL label/spans).
items_ingested = Signal()
