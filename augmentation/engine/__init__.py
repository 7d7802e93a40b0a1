"""Tandem's augmentation engine: a pure-Python library (numpy, OpenCV, Albumentations, NLTK), no Django.

    from augmentation.engine import Pipeline, Sample

    pipeline = Pipeline.from_config({"min_visibility": 0.3, "steps": [{"type": "HorizontalFlip", "p": 0.5}]})
    out = pipeline(Sample.from_image(image, boxes=boxes, box_labels=labels), rng=pipeline.rng_for(item_id, copy))

Randomness comes only from the numpy Generator passed in, so (pipeline, generator seed, sample) always gives the
same output, in any process.
"""

import os

# Albumentations checks PyPI for a newer version on import; the engine must never touch the network.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

from augmentation.engine.albumentations_io import (
    AlbumentationsExportError,
    AlbumentationsImportError,
    export_albumentations,
    import_albumentations,
)
from augmentation.engine.catalog import transform_catalog
from augmentation.engine.llm import (
    Generation,
    LLMClient,
    LLMConnectionError,
    LLMError,
    LLMHTTPError,
    LLMResponseError,
    LLMTimeoutError,
    Prompts,
    generate_texts,
    paraphrase,
)
from augmentation.engine.pipeline import Pipeline
from augmentation.engine.presets import PRESETS, Preset, presets
from augmentation.engine.problems import PipelineError, Problem
from augmentation.engine.resources import Resources
from augmentation.engine.sample import Sample, Span, TextSample
from augmentation.engine.text.templates import TemplateSet, generate_from_templates, validate_templates
from augmentation.engine.text.thesaurus import Thesaurus, ThesaurusError, parse_thesaurus_csv
from augmentation.engine.text.wordnet import WordNetSynonyms, WordNetUnavailable
from augmentation.engine.validation import validate_pipeline

__all__ = [
    "PRESETS",
    "AlbumentationsExportError",
    "AlbumentationsImportError",
    "Generation",
    "LLMClient",
    "LLMConnectionError",
    "LLMError",
    "LLMHTTPError",
    "LLMResponseError",
    "LLMTimeoutError",
    "Pipeline",
    "PipelineError",
    "Preset",
    "Problem",
    "Prompts",
    "Resources",
    "Sample",
    "Span",
    "TemplateSet",
    "TextSample",
    "Thesaurus",
    "ThesaurusError",
    "WordNetSynonyms",
    "WordNetUnavailable",
    "export_albumentations",
    "generate_from_templates",
    "generate_texts",
    "import_albumentations",
    "paraphrase",
    "parse_thesaurus_csv",
    "presets",
    "transform_catalog",
    "validate_pipeline",
    "validate_templates",
]
