"""Saving pipelines: every save is checked by the engine, and every problem is reported at once.

Problems come back as one ServiceError whose `errors` map each JSON path, prefixed with the request field
it came from, to its messages: `{"config.steps[2].limit": ["must be between 0 and 360, got 300"]}`.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from augmentation.engine import (
    PRESETS,
    AlbumentationsExportError,
    AlbumentationsImportError,
    LLMClient,
    PipelineError,
    Problem,
    Resources,
    export_albumentations,
    import_albumentations,
)
from augmentation.engine import Pipeline as EnginePipeline
from augmentation.models import Pipeline
from projects.models import Project
from projects.services import ConflictError, ServiceError


class PipelineInvalid(ServiceError):
    """The pipeline JSON has problems; `errors` holds every one, by path."""

    def __init__(self, problems: Iterable[Problem], *, field: str = "config") -> None:
        errors = problems_to_errors(problems, field)
        first_path, first_messages = next(iter(errors.items()))
        super().__init__(f"{first_path}: {first_messages[0]}", errors=errors)


def problems_to_errors(problems: Iterable[Problem], field: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        path = field if not problem.path else f"{field}.{problem.path}"
        errors.setdefault(path, []).append(problem.message)
    return errors or {field: ["The pipeline is invalid."]}


@functools.cache
def engine_resources() -> Resources:
    """What text transforms may use on this server; built once per process from operator settings only.

    Projects never name an endpoint or a folder: the LLM and NLTK paths come from the environment, so the
    API cannot be used to reach arbitrary hosts.
    """
    llm = None
    if settings.LLM_BASE_URL and settings.LLM_MODEL:
        llm = LLMClient(
            base_url=settings.LLM_BASE_URL,
            model=settings.LLM_MODEL,
            api_key=settings.LLM_API_KEY or None,
            timeout=settings.LLM_TIMEOUT_S,
        )
    return Resources(nltk_data=settings.NLTK_DATA, thesauri={}, llm=llm)


def build(config: Any, *, field: str = "config") -> EnginePipeline:
    """The engine pipeline of a config, or PipelineInvalid listing every problem."""
    if not isinstance(config, Mapping):
        raise PipelineInvalid([Problem("", "a pipeline must be a JSON object")], field=field)
    try:
        return EnginePipeline.from_config(config, resources=engine_resources())
    except PipelineError as error:
        raise PipelineInvalid(error.problems, field=field) from None


def check_config(config: Any, *, field: str = "config") -> tuple[dict[str, Any], str]:
    """The config as saved (engine defaults filled in, name/description kept) and its target."""
    pipeline = build(config, field=field)
    normalised = pipeline.config()
    for key in ("name", "description"):
        if key in config:
            normalised[key] = config[key]
    return normalised, pipeline.target


def preset_config(name: str) -> dict[str, Any]:
    preset = PRESETS.get(name)
    if preset is None:
        raise ServiceError(f"No preset named {name!r}; choose from {', '.join(sorted(PRESETS))}.", field="preset")
    return preset.pipeline()


def create_pipeline(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    name: str,
    config: dict[str, Any] | None = None,
    preset: str = "",
    description: str = "",
) -> Pipeline:
    """Save a pipeline from JSON, or from a preset when no JSON is given."""
    if config is None:
        if not preset:
            raise ServiceError("Give a pipeline config or the name of a preset to start from.", field="config")
        config = preset_config(preset)
    normalised, target = check_config(config)
    try:
        with transaction.atomic():
            return Pipeline.objects.create(
                project=project,
                name=name,
                description=description,
                config=normalised,
                target=target,
                preset=preset,
                created_by=user,  # type: ignore[misc]
            )
    except IntegrityError:
        raise _name_taken(name) from None


def update_pipeline(pipeline: Pipeline, **fields: Any) -> Pipeline:
    if "config" in fields:
        fields["config"], fields["target"] = check_config(fields["config"])
    for key, value in fields.items():
        setattr(pipeline, key, value)
    try:
        with transaction.atomic():
            pipeline.save()
    except IntegrityError:
        raise _name_taken(pipeline.name) from None
    return pipeline


def delete_pipeline(pipeline: Pipeline) -> None:
    """Jobs keep their frozen copy of the pipeline, so deleting it never changes what a job made."""
    pipeline.delete()


def _name_taken(name: str) -> ConflictError:
    return ConflictError(f"This project already has a pipeline named {name!r}.", field="name")


def parse_import(data: Any) -> dict[str, Any]:
    """Our pipeline JSON from an upload: Albumentations' `A.to_dict(compose)` output or our own JSON.

    `data` is the parsed JSON, or bytes/str of an uploaded file. Albumentations is recognised by its
    `transform` / `__class_fullname__` keys; anything else is taken as ours and checked by the engine.
    """
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise ServiceError(f"The file is not JSON: {error}", field="file") from None
    if not isinstance(data, Mapping):
        raise PipelineInvalid([Problem("", "expected a JSON object")], field="data")
    if "transform" in data or "__class_fullname__" in data:
        try:
            return import_albumentations(data)
        except AlbumentationsImportError as error:
            raise PipelineInvalid(error.problems, field="data") from None
    return check_config(copy.deepcopy(dict(data)), field="data")[0]


def to_albumentations(pipeline: Pipeline) -> dict[str, Any]:
    try:
        return export_albumentations(pipeline.config)
    except AlbumentationsExportError as error:
        raise PipelineInvalid(error.problems) from None
