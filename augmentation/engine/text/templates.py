"""Labelled texts from templates: "{person} reported {event} in {place}" with value lists per slot.

Each filled slot becomes a span labelled with the slot's label (the slot name unless mapped), so template output
trains NER directly; `label` gives every generated text a class for classification.
`{{` and `}}` are literal braces. Each occurrence of a slot draws its own value.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augmentation.engine.problems import PipelineError, Problem
from augmentation.engine.randomness import choose
from augmentation.engine.sample import Label, Span, TextSample

SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TemplateSet:
    templates: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    slot_labels: Mapping[str, Label] = field(default_factory=dict)
    label: Label | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TemplateSet:
        """Build from JSON {"templates": [...], "slots": {name: [values]}, "slot_labels": {...}, "label": ...}."""
        problems = validate_templates(config)
        if problems:
            raise PipelineError(problems)
        return cls(
            templates=tuple(config["templates"]),
            slots={name: tuple(values) for name, values in config["slots"].items()},
            slot_labels=dict(config.get("slot_labels") or {}),
            label=config.get("label"),
        )


def template_slots(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def validate_templates(config: Any) -> list[Problem]:
    if not isinstance(config, Mapping):
        return [Problem("", "must be an object with templates and slots")]
    problems = []
    templates, slots = config.get("templates"), config.get("slots")
    if not isinstance(slots, Mapping):
        problems.append(Problem("slots", "must be an object mapping slot names to lists of values"))
        slots = {}
    for name, values in slots.items():
        if not SLOT_NAME.match(str(name)):
            problems.append(Problem(f"slots.{name}", "slot names are letters, digits and _ (not first)"))
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(Problem(f"slots.{name}", "must be a non-empty list of non-empty strings"))
    if not isinstance(templates, list) or not templates:
        problems.append(Problem("templates", "must be a non-empty list of strings"))
        templates = []
    for index, template in enumerate(templates):
        path = f"templates[{index}]"
        if not isinstance(template, str):
            problems.append(Problem(path, "must be a string"))
            continue
        try:
            names = template_slots(template)
        except ValueError as error:
            problems.append(Problem(path, f"is not a valid template: {error}"))
            continue
        for name in names:
            if name not in slots:
                known = ", ".join(sorted(slots)) or "none"
                problems.append(Problem(path, f"uses slot {{{name}}} that has no values (slots: {known})"))
    extra = set(config) - {"templates", "slots", "slot_labels", "label"}
    problems.extend(Problem(key, "unknown field") for key in sorted(extra))
    return problems


def fill(
    template: str, values: Mapping[str, Sequence[str]], rng: np.random.Generator, labels: Mapping[str, Label]
) -> TextSample:
    parts: list[str] = []
    spans = []
    offset = 0
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        offset += len(literal)
        if name is None:
            continue
        options = values[name]
        value = choose(rng, options)
        spans.append(Span(offset, offset + len(value), labels.get(name, name)))
        parts.append(value)
        offset += len(value)
    return TextSample(text="".join(parts), spans=tuple(spans))


def generate_from_templates(
    template_set: TemplateSet, n: int, rng: np.random.Generator, *, unique: bool = True
) -> list[TextSample]:
    """Up to `n` texts (fewer when `unique` and the templates cannot make that many different ones)."""
    results: list[TextSample] = []
    seen: set[str] = set()
    attempts = 0
    while len(results) < n and attempts < n * 20:
        attempts += 1
        template = choose(rng, template_set.templates)
        sample = fill(template, template_set.slots, rng, template_set.slot_labels)
        if unique and sample.text in seen:
            continue
        seen.add(sample.text)
        results.append(TextSample(text=sample.text, label=template_set.label, spans=sample.spans))
    return results
