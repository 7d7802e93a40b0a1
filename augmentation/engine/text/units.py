"""A text as a list of units that edits move, replace or delete whole, so spans stay on their words.

A unit is a word, a punctuation mark, or everything a span (or a chain of overlapping spans) covers, widened to
whole words. Each unit remembers the whitespace that follows it. Edits never look inside a span unit, so a span
can only move with its words or disappear with them; its offsets are recomputed when the text is rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from augmentation.engine.sample import Label, Span, TextSample

TOKEN = re.compile(r"\w+(?:['\u2019\-]\w+)*|[^\w\s]")
WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Unit:
    text: str
    gap: str  # whitespace after the unit
    spans: tuple[tuple[int, int, Label], ...] = ()  # offsets relative to the unit's text

    @property
    def protected(self) -> bool:
        """Covered by a span: edits may move or delete it whole, never change its text."""
        return bool(self.spans)

    @property
    def is_word(self) -> bool:
        return bool(WORD.search(self.text))

    @property
    def editable_word(self) -> bool:
        return self.is_word and not self.spans


@dataclass(frozen=True)
class Units:
    leading: str
    units: tuple[Unit, ...]
    label: Label | None

    def with_units(self, units: Sequence[Unit]) -> Units:
        return replace(self, units=tuple(units))

    def editable_indices(self) -> list[int]:
        return [index for index, unit in enumerate(self.units) if unit.editable_word]

    def word_indices(self) -> list[int]:
        """Units that are words or spans: what deletion and swapping act on (punctuation stays put)."""
        return [index for index, unit in enumerate(self.units) if unit.is_word or unit.spans]


def split_units(sample: TextSample) -> Units:
    text = sample.text
    tokens = [(match.start(), match.end()) for match in TOKEN.finditer(text)]
    # Intervals covered by spans, widened to the tokens they touch and merged where they overlap.
    groups: list[list[int]] = []
    for span in sorted(sample.spans, key=lambda span: span.start):
        start, end = span.start, span.end
        for token_start, token_end in tokens:
            if token_start < end and token_end > start:
                start, end = min(start, token_start), max(end, token_end)
        if groups and start < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], end)
        else:
            groups.append([start, end])
    # Span groups were widened to whole tokens, so a token either lies inside a group or outside all of them.
    intervals = [(start, end) for start, end in groups]
    intervals.extend(
        (token_start, token_end)
        for token_start, token_end in tokens
        if not any(start < token_end and token_start < end for start, end in groups)
    )
    intervals.sort()

    units = []
    for position, (start, end) in enumerate(intervals):
        following = intervals[position + 1][0] if position + 1 < len(intervals) else len(text)
        relative = tuple(
            (span.start - start, span.end - start, span.label)
            for span in sample.spans
            if start <= span.start and span.end <= end
        )
        units.append(Unit(text=text[start:end], gap=text[end:following], spans=relative))
    leading = text[: intervals[0][0]] if intervals else text
    return Units(leading=leading, units=tuple(units), label=sample.label)


def join_units(units: Units) -> TextSample:
    parts = [units.leading]
    spans: list[Span] = []
    offset = len(units.leading)
    for unit in units.units:
        spans.extend(Span(offset + start, offset + end, label) for start, end, label in unit.spans)
        parts.append(unit.text)
        parts.append(unit.gap)
        offset += len(unit.text) + len(unit.gap)
    return TextSample(
        text="".join(parts), label=units.label, spans=tuple(sorted(spans, key=lambda s: (s.start, s.end)))
    )


def delete_unit(units: Sequence[Unit], index: int) -> list[Unit]:
    """Remove a unit; the whitespace after it replaces the whitespace before it ("a b." minus b is "a.")."""
    result = list(units)
    removed = result.pop(index)
    if index > 0:
        result[index - 1] = replace(result[index - 1], gap=removed.gap)
    return result


def insert_word(units: Sequence[Unit], position: int, word: str) -> list[Unit]:
    """Insert a plain word before `position` (0 … len), separated by single spaces."""
    result = list(units)
    if position >= len(result):
        if result:
            result[-1] = replace(result[-1], gap=result[-1].gap or " ")
        result.append(Unit(text=word, gap=""))
    else:
        result.insert(position, Unit(text=word, gap=" "))
    return result


def match_case(replacement: str, original: str) -> str:
    """Carry the capitalisation of the replaced word over to its replacement."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
