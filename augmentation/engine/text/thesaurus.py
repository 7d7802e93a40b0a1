"""Project thesauri: synonyms for any language from a small CSV a project keeps.

File format (UTF-8 CSV, one headword per row; a header row `word,synonyms` and `#` comment lines are allowed):

    word,synonyms
    rápido,veloz;ligero;pronto
    "casa",hogar;vivienda

Column 1 is a single word; column 2 lists its synonyms separated by `;` (a synonym may have several words).
Matching ignores case. By default the relation is made symmetric: every single-word synonym also gets the
headword and the other synonyms, which is what people expect from a thesaurus they wrote in one direction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class ThesaurusError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Thesaurus:
    entries: Mapping[str, tuple[str, ...]]  # case-folded headword -> synonyms in file order
    language: str = ""

    def synonyms(self, word: str) -> list[str]:
        return list(self.entries.get(word.casefold(), ()))

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Iterable[str]], *, language: str = "", symmetric: bool = True
    ) -> Thesaurus:
        entries: dict[str, list[str]] = {}

        def add(headword: str, synonym: str) -> None:
            key = headword.casefold()
            if synonym.casefold() != key and synonym not in entries.setdefault(key, []):
                entries[key].append(synonym)

        for headword, synonyms in mapping.items():
            synonym_list = [synonym.strip() for synonym in synonyms if synonym.strip()]
            for synonym in synonym_list:
                add(headword, synonym)
            if symmetric:
                for synonym in synonym_list:
                    if " " in synonym:
                        continue
                    add(synonym, headword)
                    for other in synonym_list:
                        add(synonym, other)
        return cls(entries={key: tuple(value) for key, value in entries.items()}, language=language)


def parse_thesaurus_csv(text: str, *, language: str = "", symmetric: bool = True) -> Thesaurus:
    """Parse the CSV format above; raises ThesaurusError listing every bad line."""
    mapping: dict[str, list[str]] = {}
    problems = []
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines))), start=1):
        if number == 1 and [cell.strip().lower() for cell in row[:2]] == ["word", "synonyms"]:
            continue
        if len(row) != 2:
            problems.append(f"row {number}: expected 2 columns (word,synonym1;synonym2), got {len(row)}")
            continue
        headword, synonyms = row[0].strip(), [item.strip() for item in row[1].split(";") if item.strip()]
        if not headword or " " in headword:
            problems.append(f"row {number}: the headword must be a single word, got {headword!r}")
        elif not synonyms:
            problems.append(f"row {number}: {headword!r} has no synonyms")
        else:
            mapping.setdefault(headword, []).extend(synonyms)
    if problems:
        raise ThesaurusError(problems)
    return Thesaurus.from_mapping(mapping, language=language, symmetric=symmetric)
