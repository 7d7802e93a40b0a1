"""File names are data: normalised for display and search, never used to build a storage path."""

from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 500  # Item.original_name's max_length

# Bidirectional overrides and isolates make "gpj.exe" display as "exe.jpg"; they have no place in a name.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def clean_name(name: str) -> str:
    """NFC-normalised, without control characters, at most MAX_NAME_CHARS; everything else kept verbatim."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    return name.strip()[:MAX_NAME_CHARS]


def extension(name: str) -> str:
    """Lower-case extension with its dot ("" when there is none), for recognising text formats only."""
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""
