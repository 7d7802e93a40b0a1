"""The machine-readable list of everything a pipeline can contain, for the browser's pipeline builder."""

from __future__ import annotations

from typing import Any

from augmentation.engine.transform import registered
from augmentation.engine.validation import GROUP_P, REPLACE, SOME_OF_N

GROUP_ORDER = ("geometric", "colour", "filter", "noise", "erasing", "mixing", "text")

_COMPOSITION = (
    ("one_of", "Run one child, chosen with weights proportional to the children's p.", (GROUP_P,)),
    (
        "some_of",
        "Run n children picked uniformly, each with its own p, in listed order.",
        (GROUP_P, SOME_OF_N, REPLACE),
    ),
    ("sequence", "Run all children in order, each with its own p.", (GROUP_P,)),
)


def transform_catalog() -> list[dict[str, Any]]:
    """JSON-serialisable descriptions: name, group, target, summary, needs, albumentations, params (with type,
    default, min, max, choices, description). Compositions come last with group "composition"."""
    transforms = sorted(registered().values(), key=lambda cls: (GROUP_ORDER.index(cls.group), cls.name))
    entries = [cls.describe() for cls in transforms]
    entries += [
        {
            "name": name,
            "group": "composition",
            "target": "any",
            "summary": summary,
            "needs": [],
            "albumentations": {"one_of": "OneOf", "some_of": "SomeOf", "sequence": "Sequential"}[name],
            "params": [param.describe() for param in params]
            + [{"name": "steps", "type": "steps", "required": True, "description": "child steps"}],
        }
        for name, summary, params in _COMPOSITION
    ]
    return entries
