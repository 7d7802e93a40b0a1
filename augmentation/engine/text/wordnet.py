"""English synonyms from WordNet 3.0 through NLTK's reader, from a folder the caller hands in.

Nothing is downloaded: the folder must hold `corpora/wordnet/` (scripts/install_wordnet.py makes it).
"""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


class WordNetUnavailable(RuntimeError):
    pass


@lru_cache(maxsize=4)
def _load(root: str) -> Any:
    """NLTK's WordNet reader on `root`/corpora/wordnet. NLTK is imported here, not at module import: importing
    it takes seconds, and processes that never touch WordNet (the web server, image jobs) should not pay."""
    folder = Path(root) / "corpora" / "wordnet"
    if not (folder / "index.noun").is_file() or not (folder / "lexnames").is_file():
        raise WordNetUnavailable(
            f"WordNet is not installed in {root}: run `python scripts/install_wordnet.py {root}` (or `make test`)"
        )
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishWordNetReader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            # NLTK maps other WordNet versions onto 3.0 for its multilingual data by looking up "wordnet" on its
            # global search path; we read English 3.0 only, from an explicit folder, so there is nothing to map.
            return None

    with _LOCK:
        # NLTK 3.10 only opens corpus files under folders on its data path; registering the folder we were
        # handed is the documented way to allow it.
        if root not in nltk.data.path:
            nltk.data.path.append(root)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": expected, unused
            return EnglishWordNetReader(str(folder), None)


@lru_cache(maxsize=50_000)
def _synonyms(root: str, word: str) -> tuple[str, ...]:
    reader = _load(root)
    seen: dict[str, None] = {}
    lowered = word.lower()
    for synset in reader.synsets(lowered):
        for lemma in synset.lemma_names():
            candidate = lemma.replace("_", " ")
            if candidate.lower() != lowered:
                seen.setdefault(candidate, None)
    return tuple(seen)


class WordNetSynonyms:
    """Synonyms of an English word from every WordNet sense, in WordNet's sense order (stable, so reproducible).

    Loading takes a few seconds the first time per folder and process; later uses are cached.
    """

    def __init__(self, nltk_data: str | Path) -> None:
        self.root = str(Path(nltk_data).resolve())
        _load(self.root)

    def synonyms(self, word: str) -> list[str]:
        return list(_synonyms(self.root, word))
