"""Import pipelines saved with Albumentations' `A.to_dict(compose)` and export ours to that format.

Most of our transforms mirror an Albumentations class with the same parameter names; the table in
albumentations_mapping.py says which, and how the few differing parameters convert. Albumentations settings we
cannot reproduce faithfully are reported, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from augmentation.engine.albumentations_mapping import BY_OURS, BY_THEIRS, GROUPS
from augmentation.engine.pipeline import Pipeline
from augmentation.engine.problems import PipelineError, Problem, join_path

ALBUMENTATIONS_VERSION = "2.0.8"


class AlbumentationsExportError(PipelineError):
    """Some steps have no Albumentations equivalent; `problems` names each one."""


class AlbumentationsImportError(PipelineError):
    """Some Albumentations transforms or settings have no equivalent here; `problems` names each one."""


def albumentations_name(ours: str) -> str | None:
    mapping = BY_OURS.get(ours)
    return mapping.theirs if mapping else None


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively, so values compare and serialise the way JSON has them."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


# ----------------------------------------------------------------------------------------------- export


def export_albumentations(pipeline: Pipeline | Mapping[str, Any]) -> dict[str, Any]:
    """Our pipeline (object or JSON) as the dict `A.from_dict` loads, with boxes as pascal_voc + "labels".

    Raises AlbumentationsExportError listing every step without an equivalent.
    """
    built = pipeline if isinstance(pipeline, Pipeline) else Pipeline.from_config(pipeline)
    config = built.config()
    problems: list[Problem] = []
    transforms = [_export_step(step, join_path("steps", index), problems) for index, step in enumerate(config["steps"])]
    if problems:
        raise AlbumentationsExportError(problems)
    return {
        "__version__": ALBUMENTATIONS_VERSION,
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": transforms,
            "bbox_params": {
                "format": "pascal_voc",
                "label_fields": ["labels"],
                "min_area": 0.0,
                "min_visibility": config["min_visibility"],
                "min_width": 0.0,
                "min_height": 0.0,
                "check_each_transform": True,
                "clip": True,
                "max_accept_ratio": None,
            },
            "keypoint_params": None,
            "additional_targets": {},
            "is_check_shapes": True,
        },
    }


def _export_step(step: dict[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    kind = step["type"]
    if kind in GROUPS:
        exported = {
            "__class_fullname__": GROUPS[kind],
            "p": step["p"],
            "transforms": [
                _export_step(child, join_path(join_path(path, "steps"), index), problems)
                for index, child in enumerate(step["steps"])
            ],
        }
        if kind == "some_of":
            exported.update(n=step["n"], replace=step["replace"])
        return exported
    mapping = BY_OURS.get(kind)
    if mapping is None:
        problems.append(Problem(path, f"{kind} has no Albumentations equivalent"))
        return {}
    if step.get("region", "anywhere") != "anywhere":
        problems.append(
            Problem(join_path(path, "region"), f"Albumentations erases anywhere; {step['region']} has no equivalent")
        )
    exported = {"__class_fullname__": mapping.theirs, "p": step["p"]}
    exported.update({name: step[name] for name in mapping.shared})
    exported.update(mapping.fixed)
    if mapping.to_theirs:
        exported.update(mapping.to_theirs(step))
    return _plain(exported)


# ----------------------------------------------------------------------------------------------- import


def import_albumentations(data: Mapping[str, Any]) -> dict[str, Any]:
    """Our pipeline JSON (defaults filled in) from `A.to_dict(compose)` output.

    Raises AlbumentationsImportError listing every step or setting that does not map, or any value our
    validation rejects.
    """
    transform = data.get("transform", data) if isinstance(data, Mapping) else None
    if not isinstance(transform, Mapping) or _class_name(transform) != "Compose":
        raise AlbumentationsImportError([Problem("transform", "expected the output of A.to_dict(A.Compose([...]))")])
    problems: list[Problem] = []
    steps = [
        _import_step(item, join_path("transform.transforms", index), problems)
        for index, item in enumerate(transform.get("transforms", []))
    ]
    bbox_params = transform.get("bbox_params") or {}
    config = {"seed": 0, "min_visibility": float(bbox_params.get("min_visibility", 0.0)), "steps": steps}
    if problems:
        raise AlbumentationsImportError(problems)
    from augmentation.engine.validation import build_pipeline

    pipeline, found = build_pipeline(config)
    if found or pipeline is None:
        raise AlbumentationsImportError(found)
    return pipeline.config()  # with our defaults filled in, as the builder will show it


def _class_name(item: Mapping[str, Any]) -> str:
    return str(item.get("__class_fullname__", "")).rsplit(".", 1)[-1]


def _import_step(item: Mapping[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    name = _class_name(item)
    for ours, theirs in GROUPS.items():
        if name == theirs:
            step: dict[str, Any] = {
                "type": ours,
                "p": item.get("p", 1.0),
                "steps": [
                    _import_step(child, join_path(join_path(path, "transforms"), index), problems)
                    for index, child in enumerate(item.get("transforms", []))
                ],
            }
            if ours == "some_of":
                step.update(n=item.get("n", 1), replace=item.get("replace", False))
            return step
    mapping = BY_THEIRS.get(name)
    if mapping is None:
        known = ", ".join(sorted(BY_THEIRS))
        problems.append(
            Problem(path, f"Albumentations {name or '(unnamed)'} has no equivalent here; supported: {known}")
        )
        return {}
    step = {"type": mapping.ours, "p": item.get("p", 1.0)}
    step.update({key: _plain(item[key]) for key in mapping.shared if key in item})
    for key, expected in mapping.fixed.items():
        if key in item and _plain(item[key]) != _plain(expected):
            problems.append(
                Problem(join_path(path, key), f"{name}.{key}={item[key]!r} is not supported (only {expected!r})")
            )
    if mapping.from_theirs:
        converted, found = mapping.from_theirs(dict(item), path)
        step.update(_plain(converted))
        problems.extend(found)
    return step
