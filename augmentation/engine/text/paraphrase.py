"""Pipeline step that rewrites a text through the configured LLM endpoint."""

from __future__ import annotations

import numpy as np

from augmentation.engine.llm import paraphrase
from augmentation.engine.params import Param
from augmentation.engine.sample import TextSample
from augmentation.engine.transform import Context, TextTransform, register


@register
class LLMParaphrase(TextTransform):
    name = "LLMParaphrase"
    summary = (
        "Rewrite the text with the server's LLM, keeping class and labelled phrases; the text is left as it was "
        "when no valid paraphrase comes back. Endpoint errors stop the pipeline with an LLMError."
    )
    needs = ("llm",)
    params = (Param("temperature", "number", 0.7, 0, 2, description="sampling temperature"),)
    temperature: float

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        client = context.resources.llm
        if client is None:
            raise ValueError("LLMParaphrase needs an LLM endpoint: none is configured")
        result = paraphrase(client, sample, n=1, rng=rng, temperature=self.temperature)
        return result.samples[0] if result.samples else sample
