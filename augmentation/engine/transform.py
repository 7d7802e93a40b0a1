"""Base class of every transform, the context a pipeline hands to it, and the registry of transform names.

A transform is built from keyword parameters (checked against its declared `params`) and applied with
`apply(sample, rng, context)`. All randomness comes from the `rng` argument, so the same parameters, generator
state and sample always give the same result.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

import numpy as np

from augmentation.engine.params import REQUIRED, Param, jsonable, probability
from augmentation.engine.problems import PipelineError, Problem, join_path
from augmentation.engine.resources import Resources
from augmentation.engine.sample import Sample, TextSample

Target = Literal["image", "text"]
# Where mixing transforms get their extra samples: a sequence to draw from, or a function that draws one.
SamplePool = Sequence[Sample] | Callable[[np.random.Generator], Sample]


@dataclass(frozen=True)
class Context:
    """What a pipeline knows that a single transform needs: label rules, extra samples and resources."""

    min_visibility: float = 0.0
    pool: SamplePool | None = None
    resources: Resources = field(default_factory=Resources)

    def draw(self, rng: np.random.Generator, count: int, *, by: str) -> list[Sample]:
        """`count` samples from the pool, chosen with `rng` (so they are part of the reproducible draw)."""
        if self.pool is None:
            raise ValueError(
                f"{by} mixes several images: call the pipeline with pool=<a sequence of Samples or a function "
                "rng -> Sample>"
            )
        if callable(self.pool):
            return [self.pool(rng) for _ in range(count)]
        if len(self.pool) == 0:
            raise ValueError(f"{by} was given an empty pool of samples")
        return [self.pool[int(index)] for index in rng.integers(0, len(self.pool), size=count)]


class Transform:
    """One augmentation step. Subclasses declare `name`, `group`, `target`, `params` and implement `apply`."""

    name: ClassVar[str]
    group: ClassVar[str]
    target: ClassVar[Target]
    summary: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    # Resources the transform cannot work without: "pool", "wordnet", "thesaurus" or "llm".
    needs: ClassVar[tuple[str, ...]] = ()
    p: float

    def __init__(self, **values: Any) -> None:
        parameters, problems = self.check_values(values, path="")
        if problems:
            raise PipelineError(problems)
        self._assign(parameters)

    def _assign(self, parameters: dict[str, Any]) -> None:
        for key, value in parameters.items():
            setattr(self, key, value)
        self.setup()

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Self:
        """Build from parameters that `check_values` already converted and found valid."""
        step = cls.__new__(cls)
        step._assign(parameters)
        return step

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return (probability(), *cls.params)

    @classmethod
    def check_values(cls, values: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
        """Convert and check JSON values; returns the full parameter set (defaults filled) and all problems."""
        declared = {param.name: param for param in cls.all_params()}
        problems = [
            Problem(join_path(path, key), f"unknown parameter of {cls.name}; known: {', '.join(declared)}")
            for key in values
            if key not in declared
        ]
        parameters: dict[str, Any] = {}
        for name, param in declared.items():
            if name not in values:
                if param.required:
                    problems.append(Problem(join_path(path, name), f"is required by {cls.name}"))
                parameters[name] = param.default
                continue
            parameters[name], found = param.check(values[name], join_path(path, name))
            problems.extend(found)
        problems.extend(cls.check_combination(parameters, path))
        return parameters, problems

    @classmethod
    def check_combination(cls, parameters: dict[str, Any], path: str) -> list[Problem]:
        """Rules that involve several parameters at once; overridden where needed."""
        return []

    def setup(self) -> None:
        """Precompute what does not depend on the sample (kernels, lookup tables); runs once per build."""

    def apply(self, sample: Any, rng: np.random.Generator, context: Context) -> Any:
        raise NotImplementedError

    def requirements(self) -> list[tuple[str, str | None]]:
        """Resources this configured step needs, as (need, language) pairs; see `Resources.missing`."""
        return [(need, None) for need in self.needs]

    def config(self) -> dict[str, Any]:
        """This step as pipeline JSON."""
        values = {param.name: jsonable(getattr(self, param.name)) for param in self.all_params()}
        return {"type": self.name, **values}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{param.name}={getattr(self, param.name)!r}" for param in self.all_params())
        return f"{type(self).__name__}({arguments})"

    @classmethod
    def describe(cls) -> dict[str, Any]:
        from augmentation.engine.albumentations_io import albumentations_name

        return {
            "name": cls.name,
            "group": cls.group,
            "target": cls.target,
            "summary": cls.summary,
            "needs": list(cls.needs),
            "albumentations": albumentations_name(cls.name),
            "params": [param.describe() for param in cls.all_params()],
        }


class ImageTransform(Transform):
    target: ClassVar[Target] = "image"

    def apply(self, sample: Sample, rng: np.random.Generator, context: Context) -> Sample:
        raise NotImplementedError


class TextTransform(Transform):
    target: ClassVar[Target] = "text"
    group: ClassVar[str] = "text"

    def apply(self, sample: TextSample, rng: np.random.Generator, context: Context) -> TextSample:
        raise NotImplementedError


_REGISTRY: dict[str, type[Transform]] = {}


def register(cls: type[Transform]) -> type[Transform]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two transforms are named {cls.name}")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Transform]]:
    from augmentation.engine import image, text  # noqa: F401  (importing registers the transforms)

    return dict(_REGISTRY)


def lookup(name: str) -> type[Transform] | None:
    return registered().get(name)


def close_matches(name: str, known: Sequence[str]) -> list[str]:
    lowered = {candidate.lower(): candidate for candidate in known}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[match] for match in matches]


__all__ = ["REQUIRED", "Context", "ImageTransform", "SamplePool", "TextTransform", "Transform", "register"]
