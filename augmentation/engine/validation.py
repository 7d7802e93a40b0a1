"""Check a pipeline description and report every problem at once, each with its JSON path.

>>> [str(p) for p in validate_pipeline({"steps": [{"type": "Rotate", "limit": 300}]})]
['steps[0].limit: must be between 0 and 360, got 300']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from augmentation.engine.params import Param, describe_value
from augmentation.engine.pipeline import GROUP_TYPES, Group, OneOf, Pipeline, SequenceGroup, SomeOf, Step
from augmentation.engine.problems import Problem, join_path
from augmentation.engine.resources import Resources
from augmentation.engine.transform import Transform, close_matches, registered

TOP_LEVEL = {
    "steps": "list of steps",
    "seed": "whole number used by rng_for",
    "min_visibility": "0-1; shapes less visible than this after a step are dropped",
    "name": "free text",
    "description": "free text",
}
_SEED = Param("seed", "integer", 0, 0, 2**63 - 1)
_MIN_VISIBILITY = Param("min_visibility", "number", 0.0, 0.0, 1.0)
GROUP_P = Param("p", "number", 1.0, 0.0, 1.0)
SOME_OF_N = Param("n", "integer", 1, 1, 1000)
REPLACE = Param("replace", "boolean", False)


def validate_pipeline(config: Any, *, resources: Resources | None = None) -> list[Problem]:
    """All problems in a pipeline description (empty when it is valid).

    With `resources`, also reports steps that need something this server lacks (WordNet, a thesaurus, an LLM).
    """
    return build_pipeline(config, resources=resources)[1]


def build_pipeline(config: Any, *, resources: Resources | None = None) -> tuple[Pipeline | None, list[Problem]]:
    if not isinstance(config, Mapping):
        return None, [Problem("", f"a pipeline must be a JSON object, got {describe_value(config)}")]
    problems = [Problem(key, f"unknown field; known: {', '.join(TOP_LEVEL)}") for key in config if key not in TOP_LEVEL]
    seed, found = _SEED.check(config.get("seed", 0), "seed")
    problems += found
    min_visibility, found = _MIN_VISIBILITY.check(config.get("min_visibility", 0.0), "min_visibility")
    problems += found
    for key in ("name", "description"):
        if key in config and not isinstance(config[key], str):
            problems.append(Problem(key, f"must be a string, got {describe_value(config[key])}"))
    steps, found = build_steps(config.get("steps"), "steps")
    problems += found
    problems += target_problems(steps)
    if resources is not None:
        problems += resource_problems(steps, resources)
    if problems:
        return None, problems
    return Pipeline(
        steps=[step for _, step in steps], min_visibility=min_visibility, seed=seed, resources=resources or Resources()
    ), []


def build_steps(value: Any, path: str) -> tuple[list[tuple[str, Step]], list[Problem]]:
    """Steps paired with their paths (kept for later checks); steps with problems are left out."""
    if not isinstance(value, list):
        return [], [Problem(path, f"must be a list of steps, got {describe_value(value)}")]
    if not value:
        return [], [Problem(path, "needs at least one step")]
    steps, problems = [], []
    for index, item in enumerate(value):
        step, found = build_step(item, join_path(path, index))
        problems += found
        if step is not None:
            steps.append((join_path(path, index), step))
    return steps, problems


def build_step(value: Any, path: str) -> tuple[Step | None, list[Problem]]:
    if not isinstance(value, Mapping):
        return None, [Problem(path, f"a step must be a JSON object, got {describe_value(value)}")]
    kind = value.get("type")
    known = registered()
    if not isinstance(kind, str):
        return None, [Problem(join_path(path, "type"), f"must name a transform or group, got {describe_value(kind)}")]
    if kind in GROUP_TYPES:
        return build_group(kind, value, path)
    cls = known.get(kind)
    if cls is None:
        return None, [unknown_type_problem(kind, join_path(path, "type"), list(known))]
    parameters, problems = cls.check_values({key: item for key, item in value.items() if key != "type"}, path)
    if problems:
        return None, problems
    return cls.from_parameters(parameters), []


def unknown_type_problem(kind: str, path: str, known: list[str]) -> Problem:
    suggestions = close_matches(kind, [*known, *GROUP_TYPES])
    hint = f"did you mean {' or '.join(suggestions)}? " if suggestions else ""
    return Problem(
        path, f"unknown transform {kind!r}; {hint}known: {', '.join(sorted(known))}, {', '.join(GROUP_TYPES)}"
    )


def build_group(kind: str, value: Mapping[str, Any], path: str) -> tuple[Step | None, list[Problem]]:
    allowed = {"type", "steps", "p"} | ({"n", "replace"} if kind == "some_of" else set())
    problems = [
        Problem(join_path(path, key), f"unknown field of {kind}; known: {', '.join(sorted(allowed))}")
        for key in value
        if key not in allowed
    ]
    p, found = GROUP_P.check(value.get("p", 1.0), join_path(path, "p"))
    problems += found
    children, found = build_steps(value.get("steps"), join_path(path, "steps"))
    problems += found
    steps = [step for _, step in children]
    if kind == "one_of":
        return (None if problems else OneOf(steps=steps, p=p)), problems
    if kind == "sequence":
        return (None if problems else SequenceGroup(steps=steps, p=p)), problems
    n, found = SOME_OF_N.check(value.get("n", 1), join_path(path, "n"))
    problems += found
    replace, found = REPLACE.check(value.get("replace", False), join_path(path, "replace"))
    problems += found
    if isinstance(value.get("steps"), list) and isinstance(n, int) and not replace and n > len(value["steps"]):
        problems.append(
            Problem(join_path(path, "n"), f"must not exceed the {len(value['steps'])} steps unless replace is true")
        )
    return (None if problems else SomeOf(steps=steps, p=p, n=n, replace=replace)), problems


def _leaf_paths(steps: list[tuple[str, Step]]) -> list[tuple[str, Transform]]:
    """Each transform with a path to it, descending into groups."""
    found = []
    for path, step in steps:
        if isinstance(step, Group):
            found += _leaf_paths(
                [(join_path(join_path(path, "steps"), i), child) for i, child in enumerate(step.steps)]
            )
        else:
            found.append((path, step))
    return found


def target_problems(steps: list[tuple[str, Step]]) -> list[Problem]:
    transforms = _leaf_paths(steps)
    if len({transform.target for _, transform in transforms}) < 2:
        return []
    first_path, first = transforms[0]
    return [
        Problem(
            join_path(path, "type"),
            f"{transform.name} works on {transform.target}s but {first_path} ({first.name}) works on "
            f"{first.target}s; a pipeline works on one kind",
        )
        for path, transform in transforms
        if transform.target != first.target
    ]


def resource_problems(steps: list[tuple[str, Step]], resources: Resources) -> list[Problem]:
    problems = []
    for path, transform in _leaf_paths(steps):
        for need, language in transform.requirements():
            if need == "pool":
                continue  # supplied per call, not per server
            reason = resources.missing(need, language)
            if reason:
                problems.append(Problem(join_path(path, "type"), f"{transform.name}: {reason}"))
    return problems
