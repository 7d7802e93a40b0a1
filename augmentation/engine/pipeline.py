"""Pipelines: steps and groups built from JSON, run with an explicit random generator.

    {"seed": 7, "min_visibility": 0.3, "steps": [
        {"type": "HorizontalFlip", "p": 0.5},
        {"type": "one_of", "p": 0.8, "steps": [{"type": "Rotate", "limit": 20}, {"type": "Perspective"}]},
        {"type": "some_of", "n": 2, "steps": [...]},
        {"type": "sequence", "p": 0.5, "steps": [...]}]}

`one_of` runs one child, chosen with weights proportional to the children's `p` (the chosen child always runs);
`some_of` picks `n` children uniformly and runs each, in listed order, with its own `p`; `sequence` runs all
children with their own `p`. A group's own `p` decides whether it runs at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from augmentation.engine.problems import PipelineError
from augmentation.engine.resources import Resources
from augmentation.engine.sample import Sample, TextSample
from augmentation.engine.transform import Context, SamplePool, Transform

GROUP_TYPES = ("one_of", "some_of", "sequence")


@dataclass
class Group:
    kind: ClassVar[str]
    steps: list[Step]
    p: float = 1.0

    def apply(self, sample: Any, rng: np.random.Generator, context: Context) -> Any:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        return {"type": self.kind, "p": self.p, "steps": [step.config() for step in self.steps]}

    def transforms(self) -> list[Transform]:
        return [leaf for step in self.steps for leaf in leaves(step)]


@dataclass
class OneOf(Group):
    kind: ClassVar[str] = "one_of"

    def apply(self, sample: Any, rng: np.random.Generator, context: Context) -> Any:
        weights = np.array([step.p for step in self.steps], dtype=np.float64)
        if weights.sum() <= 0:
            return sample
        chosen = self.steps[int(rng.choice(len(self.steps), p=weights / weights.sum()))]
        return chosen.apply(sample, rng, context)


@dataclass
class SomeOf(Group):
    kind: ClassVar[str] = "some_of"
    n: int = 1
    replace: bool = False

    def apply(self, sample: Any, rng: np.random.Generator, context: Context) -> Any:
        picked = np.sort(rng.choice(len(self.steps), size=self.n, replace=self.replace))
        for index in picked:
            sample = run_step(self.steps[int(index)], sample, rng, context)
        return sample

    def config(self) -> dict[str, Any]:
        return {**super().config(), "n": self.n, "replace": self.replace}


@dataclass
class SequenceGroup(Group):
    kind: ClassVar[str] = "sequence"

    def apply(self, sample: Any, rng: np.random.Generator, context: Context) -> Any:
        for step in self.steps:
            sample = run_step(step, sample, rng, context)
        return sample


Step = Transform | Group


def leaves(step: Step) -> list[Transform]:
    return step.transforms() if isinstance(step, Group) else [step]


def run_step(step: Step, sample: Any, rng: np.random.Generator, context: Context) -> Any:
    # No draw when p == 1, so adding an always-on step does not shift the random stream of the steps after it.
    if step.p < 1.0 and rng.random() >= step.p:
        return sample
    return step.apply(sample, rng, context)


@dataclass
class Pipeline:
    """A list of steps plus the label rules they share. Build with `Pipeline.from_config(json)`."""

    steps: list[Step]
    min_visibility: float = 0.0
    seed: int = 0
    resources: Resources = field(default_factory=Resources)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, resources: Resources | None = None) -> Pipeline:
        """Build from JSON; raises PipelineError listing every problem (see `validate_pipeline`)."""
        from augmentation.engine.validation import build_pipeline

        pipeline, problems = build_pipeline(config, resources=resources)
        if problems or pipeline is None:
            raise PipelineError(problems)
        return pipeline

    def config(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "min_visibility": self.min_visibility,
            "steps": [step.config() for step in self.steps],
        }

    def needs(self) -> frozenset[str]:
        """What any of its steps needs besides the sample ("pool" for mixing, "llm", ...)."""
        return frozenset(need for step in self.steps for leaf in leaves(step) for need in leaf.needs)

    def __post_init__(self) -> None:
        targets = {leaf.target for step in self.steps for leaf in leaves(step)}
        # Worked out once: __call__ checks the sample kind on every call.
        self.target: Literal["image", "text"] = "text" if targets == {"text"} else "image"
        self._sample_type = TextSample if self.target == "text" else Sample

    def rng_for(self, *keys: int) -> np.random.Generator:
        """A generator for one output, e.g. `rng_for(item_id, copy_index)`: the pipeline's seed plus the keys.

        Outputs keyed this way are the same in any process and any order, so reruns overwrite rather than differ.
        """
        return np.random.default_rng([self.seed, *keys])

    def __call__(self, sample: Sample | TextSample, *, rng: np.random.Generator, pool: SamplePool | None = None) -> Any:
        """Apply to one sample. `pool` supplies the extra samples mixing steps need (sequence or rng -> Sample)."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator, e.g. pipeline.rng_for(item_id, copy_index)")
        if not isinstance(sample, self._sample_type):
            raise TypeError(f"this pipeline transforms {self.target}s; got {type(sample).__name__}")
        context = Context(min_visibility=self.min_visibility, pool=pool, resources=self.resources)
        for step in self.steps:
            sample = run_step(step, sample, rng, context)
        return sample
