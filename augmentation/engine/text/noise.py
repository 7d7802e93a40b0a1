"""Character noise (keyboard typos, OCR confusions) and BERT-style masking, on words outside spans only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from augmentation.engine.params import Param
from augmentation.engine.problems import Problem, join_path
from augmentation.engine.randomness import choose
from augmentation.engine.sample import TextSample
from augmentation.engine.text.units import join_units, match_case, split_units
from augmentation.engine.transform import Context, TextTransform, register

_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Keys next to each key on a QWERTY keyboard (same row and the rows above and below, offset by one)."""
    positions = {key: (row, column) for row, keys in enumerate(_KEYBOARD_ROWS) for column, key in enumerate(keys)}
    neighbours = {}
    for key, (row, column) in positions.items():
        near = [
            other
            for other, (other_row, other_column) in positions.items()
            if other != key and abs(other_row - row) <= 1 and abs(other_column - column) <= 1
        ]
        neighbours[key] = "".join(sorted(near))
    return neighbours


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()
# Shapes OCR engines confuse; each pair works in both directions.
OCR_CONFUSIONS = (
    ("rn", "m"),
    ("cl", "d"),
    ("vv", "w"),
    ("0", "o"),
    ("1", "l"),
    ("1", "i"),
    ("5", "s"),
    ("8", "b"),
    ("6", "b"),
    ("9", "g"),
    ("2", "z"),
    ("e", "c"),
    ("u", "v"),
    ("h", "b"),
    ("f", "t"),
)


def keyboard_typo(word: str, rng: np.random.Generator) -> str:
    positions = [index for index, character in enumerate(word) if character.lower() in KEYBOARD_NEIGHBOURS]
    if not positions:
        return word
    index = choose(rng, positions)
    options = KEYBOARD_NEIGHBOURS[word[index].lower()]
    typo = choose(rng, options)
    return word[:index] + (typo.upper() if word[index].isupper() else typo) + word[index + 1 :]


def ocr_confusion(word: str, rng: np.random.Generator) -> str:
    lowered = word.lower()
    options = [
        (start, source, target)
        for pair in OCR_CONFUSIONS
        for source, target in (pair, pair[::-1])
        for start in range(len(word))
        if lowered.startswith(source, start)
    ]
    if not options:
        return word
    start, source, target = choose(rng, options)
    return word[:start] + match_case(target, word[start : start + len(source)]) + word[start + len(source) :]


@register
class CharacterNoise(TextTransform):
    name = "CharacterNoise"
    summary = "Put one typo (neighbouring key) or OCR confusion (rn→m, 0→o, …) into some words outside spans."
    params = (
        Param("probability", "number", 0.1, 0, 1, description="chance each word gets one error"),
        Param("kind", "enum", "both", choices=("keyboard", "ocr", "both"), description="kind of error"),
    )
    probability: float
    kind: str

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        items = list(units.units)
        for index in units.editable_indices():
            if rng.random() >= self.probability:
                continue
            kind = self.kind if self.kind != "both" else ("keyboard", "ocr")[int(rng.integers(0, 2))]
            noisy = keyboard_typo if kind == "keyboard" else ocr_confusion
            items[index] = replace(items[index], text=noisy(items[index].text, rng))
        return join_units(units.with_units(items))


@register
class TokenMasking(TextTransform):
    name = "TokenMasking"
    summary = (
        "BERT-style masking: each word outside spans is picked with `probability`; a picked word becomes the mask "
        "token, or a random word of the text (random_word_probability), or stays (keep_probability)."
    )
    params = (
        Param("probability", "number", 0.15, 0, 1, description="share of words picked"),
        Param("mask_token", "string", "[MASK]", description="replacement text"),
        Param("random_word_probability", "number", 0.1, 0, 1, description="of picked words: random word"),
        Param("keep_probability", "number", 0.1, 0, 1, description="of picked words: left unchanged"),
    )
    probability: float
    mask_token: str
    random_word_probability: float
    keep_probability: float

    @classmethod
    def check_combination(cls, parameters: dict[str, Any], path: str) -> list[Problem]:
        random_word, keep = parameters["random_word_probability"], parameters["keep_probability"]
        if isinstance(random_word, float) and isinstance(keep, float) and random_word + keep > 1:
            return [Problem(join_path(path, "keep_probability"), "random_word_probability + keep_probability > 1")]
        return []

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        items = list(units.units)
        vocabulary = [unit.text for unit in items if unit.editable_word]
        for index in units.editable_indices():
            if rng.random() >= self.probability:
                continue
            draw = rng.random()
            if draw < self.keep_probability:
                continue
            if draw < self.keep_probability + self.random_word_probability:
                text = choose(rng, vocabulary)
            else:
                text = self.mask_token
            items[index] = replace(items[index], text=text)
        return join_units(units.with_units(items))
