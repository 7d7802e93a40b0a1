"""Outside material some transforms need, handed in by the caller (the engine never looks for it itself).

The Django side builds one `Resources` from operator settings: the NLTK data folder that holds WordNet,
thesauri parsed from project CSV files, and an LLM client configured from the server environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from augmentation.engine.llm import LLMClient
    from augmentation.engine.text.thesaurus import Thesaurus


@dataclass(frozen=True)
class Resources:
    nltk_data: str | Path | None = None  # folder with corpora/wordnet/ inside (see scripts/install_wordnet.py)
    thesauri: Mapping[str, Thesaurus] = field(default_factory=dict)  # language code -> thesaurus
    llm: LLMClient | None = None

    def missing(self, need: str, language: str | None = None) -> str | None:
        """Why `need` cannot be met, or None when it can."""
        if need == "wordnet" and self.nltk_data is None:
            return "WordNet is not configured (no NLTK data folder was given to the engine)"
        if need == "wordnet" and not (Path(self.nltk_data) / "corpora" / "wordnet" / "index.noun").is_file():  # type: ignore[arg-type]
            return f"WordNet is not installed in {self.nltk_data} (run scripts/install_wordnet.py)"
        if need == "thesaurus" and language not in self.thesauri:
            known = ", ".join(sorted(self.thesauri)) or "none"
            return f"no thesaurus for language {language!r} (available: {known})"
        if need == "llm" and self.llm is None:
            return "no LLM endpoint is configured on this server"
        return None
