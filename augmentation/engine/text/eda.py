"""Easy Data Augmentation (Wei & Zou): synonym replacement, random insertion, deletion and swap, plus sentence
shuffling. Every edit works on whole units (see units.py), so spans keep their words or disappear with them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar, Protocol

import numpy as np

from augmentation.engine.params import Param
from augmentation.engine.randomness import choose
from augmentation.engine.resources import Resources
from augmentation.engine.sample import TextSample
from augmentation.engine.text.stopwords import ENGLISH_STOPWORDS
from augmentation.engine.text.thesaurus import Thesaurus
from augmentation.engine.text.units import Unit, delete_unit, insert_word, join_units, match_case, split_units
from augmentation.engine.text.wordnet import WordNetSynonyms
from augmentation.engine.transform import Context, TextTransform, register


class SynonymSource(Protocol):
    def synonyms(self, word: str) -> list[str]: ...


def synonym_source(resources: Resources, source: str, language: str) -> SynonymSource:
    if source == "wordnet":
        if resources.nltk_data is None:
            raise ValueError("WordNet is not configured (no NLTK data folder was given to the engine)")
        return WordNetSynonyms(resources.nltk_data)
    thesaurus: Thesaurus | None = resources.thesauri.get(language)
    if thesaurus is None:
        raise ValueError(f"no thesaurus for language {language!r}")
    return thesaurus


def count_for(fraction: float, available: int) -> int:
    """How many of `available` units a fraction touches: at least one when there is any."""
    return 0 if available == 0 else max(1, min(available, round(fraction * available)))


SOURCE_PARAMS = (
    Param("source", "enum", "wordnet", choices=("wordnet", "thesaurus"), description="where synonyms come from"),
    Param("language", "string", "en", description="thesaurus language code (WordNet is English only)"),
)


class SynonymTransform(TextTransform):
    source: str
    language: str

    def requirements(self) -> list[tuple[str, str | None]]:
        return [(self.source, self.language if self.source == "thesaurus" else None)]

    def synonyms(self, context: Context) -> SynonymSource:
        return synonym_source(context.resources, self.source, self.language)

    def candidate(self, word: str, source: SynonymSource) -> bool:
        """Worth replacing: a thesaurus is the project's own choice; for WordNet skip function words."""
        if self.source == "wordnet" and word.lower() in ENGLISH_STOPWORDS:
            return False
        return bool(source.synonyms(word))


@register
class SynonymReplacement(SynonymTransform):
    name = "SynonymReplacement"
    summary = "Replace a share of the words outside spans with a random synonym."
    params = (Param("fraction", "number", 0.1, 0, 1, description="share of eligible words replaced"), *SOURCE_PARAMS)
    fraction: float

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        source = self.synonyms(context)
        items = list(units.units)
        candidates = [index for index in units.editable_indices() if self.candidate(items[index].text, source)]
        for index in rng.permutation(candidates)[: count_for(self.fraction, len(candidates))]:
            options = source.synonyms(items[index].text)
            choice = choose(rng, options)
            items[index] = replace(items[index], text=match_case(choice, items[index].text))
        return join_units(units.with_units(items))


@register
class RandomInsertion(SynonymTransform):
    name = "RandomInsertion"
    summary = "Insert synonyms of random words (outside spans) at random places between units."
    params = (Param("fraction", "number", 0.1, 0, 1, description="insertions per eligible word"), *SOURCE_PARAMS)
    fraction: float

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        source = self.synonyms(context)
        items = list(units.units)
        candidates = [unit.text for unit in items if unit.editable_word and self.candidate(unit.text, source)]
        for _ in range(count_for(self.fraction, len(candidates))):
            options = source.synonyms(choose(rng, candidates))
            word = choose(rng, options)
            items = insert_word(items, int(rng.integers(0, len(items) + 1)), word)
        return join_units(units.with_units(items))


@register
class RandomDeletion(TextTransform):
    name = "RandomDeletion"
    summary = "Delete each word with a probability; a span is deleted whole (and dropped) or kept whole."
    params = (
        Param("probability", "number", 0.1, 0, 1, description="chance each word (or span) is deleted"),
        Param("delete_spans", "boolean", True, description="spans may be deleted too (else they are always kept)"),
    )
    probability: float
    delete_spans: bool

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        items = list(units.units)
        eligible = [index for index in units.word_indices() if self.delete_spans or not items[index].protected]
        draws = rng.random(len(eligible))
        doomed = [index for index, draw in zip(eligible, draws, strict=True) if draw < self.probability]
        if len(doomed) == len(units.word_indices()) and doomed:
            doomed.pop(int(rng.integers(0, len(doomed))))  # never delete every word
        for index in sorted(doomed, reverse=True):
            items = delete_unit(items, index)
        return join_units(units.with_units(items))


@register
class RandomSwap(TextTransform):
    name = "RandomSwap"
    summary = "Swap the positions of random pairs of words (a span moves as one piece)."
    params = (Param("fraction", "number", 0.1, 0, 1, description="swaps per word"),)
    fraction: float

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        items = list(units.units)
        positions = units.word_indices()
        if len(positions) < 2:
            return sample
        for _ in range(count_for(self.fraction, len(positions))):
            first, second = (positions[int(index)] for index in rng.choice(len(positions), size=2, replace=False))
            # Swap what is said, keep the whitespace where it was.
            items[first], items[second] = (
                replace(items[second], gap=items[first].gap),
                replace(items[first], gap=items[second].gap),
            )
        return join_units(units.with_units(items))


# Sentence-final punctuation, then any closing quotes or brackets (including typographic ones).
SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*$")


def sentences(items: list[Unit]) -> list[list[Unit]]:
    groups: list[list[Unit]] = [[]]
    for unit in items:
        groups[-1].append(unit)
        if SENTENCE_END.search(unit.text) and unit.gap:
            groups.append([])
    return [group for group in groups if group]


@register
class SentenceShuffle(TextTransform):
    name = "SentenceShuffle"
    summary = "Shuffle the order of sentences (a span that crosses a sentence end keeps both together)."
    group: ClassVar[str] = "text"

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        units = split_units(sample)
        groups = sentences(list(units.units))
        if len(groups) < 2:
            return sample
        # The whitespace between sentences stays in place; each sentence keeps its inner whitespace.
        separators = [group[-1].gap for group in groups]
        shuffled = [groups[int(index)] for index in rng.permutation(len(groups))]
        items: list[Unit] = []
        for group, separator in zip(shuffled, separators, strict=True):
            items.extend(group[:-1])
            items.append(replace(group[-1], gap=separator))
        return join_units(units.with_units(items))
