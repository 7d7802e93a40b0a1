"""New texts and paraphrases from an OpenAI-compatible chat-completions endpoint.

The caller builds the `LLMClient` (base URL, key, model, timeout) from operator settings; the engine never reads
the environment and never takes an endpoint from a user. Model output is untrusted: we ask for a JSON array of
strings, then check each item (type, length, not a copy of an example or of the input, not a duplicate) and, for
paraphrases of texts with spans, require every span's words to appear again so the spans can be placed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import requests

from augmentation.engine.sample import Label, Span, TextSample


class LLMError(RuntimeError):
    """Base class: the endpoint could not give a usable answer."""


class LLMTimeoutError(LLMError):
    pass


class LLMConnectionError(LLMError):
    pass


class LLMHTTPError(LLMError):
    def __init__(self, status: int, body: str) -> None:
        self.status = status
        super().__init__(f"LLM endpoint answered HTTP {status}: {body[:300]}")


class LLMResponseError(LLMError):
    """The answer was not what an OpenAI-compatible endpoint returns, or not the JSON list we asked for."""


@dataclass(frozen=True)
class LLMClient:
    base_url: str  # e.g. "http://127.0.0.1:8080/v1"; "/chat/completions" is appended
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_tokens: int = 1024

    def chat(self, messages: Sequence[dict[str, str]], *, temperature: float, seed: int) -> str:
        """One chat completion; returns the assistant message text."""
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        payload = {
            "model": self.model,
            "messages": list(messages),
            "temperature": temperature,
            "max_tokens": self.max_tokens,
            # Honoured by servers that support it, making a call as reproducible as the server allows.
            "seed": seed,
        }
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            response = requests.post(url, json=payload, headers=headers, timeout=self.timeout)
        except requests.Timeout as error:
            raise LLMTimeoutError(f"LLM endpoint did not answer within {self.timeout:g} s") from error
        except requests.RequestException as error:
            raise LLMConnectionError(f"could not reach the LLM endpoint: {error}") from error
        if response.status_code != 200:
            raise LLMHTTPError(response.status_code, response.text)
        try:
            body = response.json()
        except ValueError as error:
            raise LLMResponseError(f"LLM endpoint returned invalid JSON: {response.text[:200]!r}") from error
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as error:
            raise LLMResponseError("LLM response has no choices[0].message.content") from error
        if not isinstance(content, str):
            raise LLMResponseError("LLM response content is not text")
        return content


GENERATE_PROMPT = (
    'Write {n} new, varied texts of the class "{label}". They must read like these examples but must not copy '
    "them:\n{examples}\nAnswer with a JSON array of {n} strings and nothing else."
)
PARAPHRASE_PROMPT = (
    "Paraphrase the text below {n} times, keeping its meaning{keep}. Text:\n{text}\n"
    "Answer with a JSON array of {n} strings and nothing else."
)
SYSTEM_PROMPT = "You produce training data for text classifiers. You answer with JSON only."


@dataclass(frozen=True)
class Prompts:
    """Prompt templates; fields in braces are filled with str.format."""

    system: str = SYSTEM_PROMPT
    generate: str = GENERATE_PROMPT  # {n}, {label}, {examples}
    paraphrase: str = PARAPHRASE_PROMPT  # {n}, {text}, {keep}


@dataclass(frozen=True)
class Generation:
    samples: list[TextSample]
    rejected: list[tuple[str, str]]  # (text or repr, reason), for showing why fewer came back than asked


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def parse_string_list(content: str) -> list[object]:
    cleaned = _FENCE.sub("", content.strip())
    try:
        parsed = json.loads(cleaned)
    except ValueError as error:
        raise LLMResponseError(f"expected a JSON array of strings, got {content[:200]!r}") from error
    if isinstance(parsed, dict) and len(parsed) == 1:
        parsed = next(iter(parsed.values()))  # some models wrap the list: {"texts": [...]}
    if not isinstance(parsed, list):
        raise LLMResponseError(f"expected a JSON array of strings, got {type(parsed).__name__}")
    return parsed


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class _Validator:
    min_chars: int
    max_chars: int
    seen: set[str]
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def accept(self, item: object) -> str | None:
        if not isinstance(item, str):
            self.rejected.append((repr(item)[:100], "not a string"))
            return None
        text = item.strip()
        reason = None
        if not self.min_chars <= len(text) <= self.max_chars:
            reason = f"length {len(text)} outside {self.min_chars}-{self.max_chars}"
        elif _normal(text) in self.seen:
            reason = "duplicate of an example, the input or another output"
        if reason:
            self.rejected.append((text[:100], reason))
            return None
        self.seen.add(_normal(text))
        return text


def generate_texts(
    client: LLMClient,
    *,
    label: Label,
    examples: Sequence[str],
    n: int,
    rng: np.random.Generator,
    prompts: Prompts = Prompts(),
    temperature: float = 0.9,
    min_chars: int = 3,
    max_chars: int = 2000,
) -> Generation:
    """Up to `n` new texts of class `label`, validated and de-duplicated (against the examples too)."""
    listing = "\n".join(f"- {example}" for example in examples) or "(none)"
    user = prompts.generate.format(n=n, label=label, examples=listing)
    content = client.chat(
        [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}],
        temperature=temperature,
        seed=int(rng.integers(2**31)),
    )
    validator = _Validator(min_chars, max_chars, {_normal(example) for example in examples})
    samples: list[TextSample] = []
    for item in parse_string_list(content):
        text = validator.accept(item)
        if text is not None and len(samples) < n:
            samples.append(TextSample(text=text, label=label))
    return Generation(samples, validator.rejected)


def place_spans(text: str, originals: Sequence[tuple[str, Label]]) -> tuple[Span, ...] | None:
    """Find each span's words in a paraphrase, in order and without overlap; None if any is missing."""
    spans = []
    taken: list[tuple[int, int]] = []
    for words, label in originals:
        start = 0
        while True:
            found = text.find(words, start)
            if found < 0:
                return None
            end = found + len(words)
            if all(end <= other_start or found >= other_end for other_start, other_end in taken):
                break
            start = found + 1
        taken.append((found, end))
        spans.append(Span(found, end, label))
    return tuple(sorted(spans, key=lambda span: (span.start, span.end)))


def paraphrase(
    client: LLMClient,
    sample: TextSample,
    *,
    n: int,
    rng: np.random.Generator,
    prompts: Prompts = Prompts(),
    temperature: float = 0.7,
    min_chars: int = 3,
    max_chars: int = 2000,
) -> Generation:
    """Up to `n` paraphrases keeping the class; spans are re-found by their exact words, or the output is rejected."""
    originals = sample.span_texts()
    keep = ""
    if originals:
        keep = " and keeping these exact phrases unchanged: " + "; ".join(json.dumps(text) for text, _ in originals)
    user = prompts.paraphrase.format(n=n, text=sample.text, keep=keep)
    content = client.chat(
        [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}],
        temperature=temperature,
        seed=int(rng.integers(2**31)),
    )
    validator = _Validator(min_chars, max_chars, {_normal(sample.text)})
    samples: list[TextSample] = []
    for item in parse_string_list(content):
        text = validator.accept(item)
        if text is None or len(samples) >= n:
            continue
        spans = place_spans(text, originals)
        if spans is None:
            validator.rejected.append((text[:100], "a labelled phrase is missing or changed"))
            continue
        samples.append(TextSample(text=text, label=sample.label, spans=spans))
    return Generation(samples, validator.rejected)


def describe_client(client: LLMClient) -> dict[str, Any]:
    """For logs and the operator page: never includes the key."""
    return {"base_url": client.base_url, "model": client.model, "timeout": client.timeout}
