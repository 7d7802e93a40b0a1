"""Machine-readable parameter declarations: one source for validation, defaults and the browser's forms.

Every transform lists its parameters as `Param`s. `Param.check` turns a JSON value into the Python value the
transform uses (lists become tuples) and reports what is wrong in words a person can act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from augmentation.engine.problems import Problem

Kind = Literal["number", "integer", "boolean", "enum", "number_range", "integer_range", "color", "string"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def describe_value(value: object) -> str:
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return f"list {list(value)!r}"
    if isinstance(value, dict):
        return "object"
    return repr(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: object) -> bool:
    return _is_number(value) and float(value).is_integer()  # type: ignore[arg-type]


def _format(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: Any = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    description: str = ""
    # A single number x for a range means (-x, x), as in Albumentations (`limit=30` is ±30°).
    symmetric: bool = False
    nullable: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable description for the browser's pipeline builder."""
        description: dict[str, Any] = {
            "name": self.name,
            "type": self.kind,
            "required": self.required,
            "default": None if self.required else _jsonable(self.default),
            "min": self.minimum,
            "max": self.maximum,
            "choices": list(self.choices) if self.choices else None,
            "nullable": self.nullable,
            "description": self.description,
        }
        if self.kind in ("number_range", "integer_range"):
            description["accepts_single_number"] = self.symmetric
        return description

    def check(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if value is None and self.nullable:
            return None, []
        checker = getattr(self, f"_check_{self.kind}")
        return checker(value, path)

    def _bounds_problem(self, number: float, path: str) -> list[Problem]:
        low, high = self.minimum, self.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                bound = f"must be between {_format(low)} and {_format(high)}"
            elif low is not None:
                bound = f"must be at least {_format(low)}"
            else:
                bound = f"must be at most {_format(high)}"  # type: ignore[arg-type]
            return [Problem(path, f"{bound}, got {_format(number)}")]
        return []

    def _check_number(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if not _is_number(value):
            return None, [Problem(path, f"must be a number, got {describe_value(value)}")]
        return float(value), self._bounds_problem(float(value), path)

    def _check_integer(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if not _is_integer(value):
            return None, [Problem(path, f"must be a whole number, got {describe_value(value)}")]
        return int(value), self._bounds_problem(int(value), path)

    def _check_boolean(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if not isinstance(value, bool):
            return None, [Problem(path, f"must be true or false, got {describe_value(value)}")]
        return value, []

    def _check_string(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if not isinstance(value, str):
            return None, [Problem(path, f"must be a string, got {describe_value(value)}")]
        return value, []

    def _check_enum(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        assert self.choices is not None
        if value not in self.choices:
            return None, [Problem(path, f"must be one of {', '.join(self.choices)}; got {describe_value(value)}")]
        return value, []

    def _check_range(self, value: Any, path: str, integer: bool) -> tuple[Any, list[Problem]]:
        is_scalar = _is_integer if integer else _is_number
        noun = "whole numbers" if integer else "numbers"
        if self.symmetric and is_scalar(value):
            # One number x means [-x, x]; report it against the bounds of x itself, as the person typed it.
            limit = self.maximum if self.maximum is not None else math.inf
            if not 0 <= value <= limit:
                return None, [Problem(path, f"must be between 0 and {_format(limit)}, got {_format(value)}")]
            value = [-value, value]
        if not isinstance(value, list | tuple) or len(value) != 2 or not all(is_scalar(item) for item in value):
            accepted = f"a pair [low, high] of {noun}" + (" or one number" if self.symmetric else "")
            return None, [Problem(path, f"must be {accepted}, got {describe_value(value)}")]
        convert = int if integer else float
        low, high = convert(value[0]), convert(value[1])
        problems = self._bounds_problem(low, f"{path}[0]") + self._bounds_problem(high, f"{path}[1]")
        if low > high:
            problems.append(Problem(path, f"low must not exceed high, got [{_format(low)}, {_format(high)}]"))
        return (low, high), problems

    def _check_number_range(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        return self._check_range(value, path, integer=False)

    def _check_integer_range(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        return self._check_range(value, path, integer=True)

    def _check_color(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        if _is_integer(value):
            return int(value), self._bounds_problem(int(value), path)
        if isinstance(value, list | tuple) and len(value) == 3 and all(_is_integer(item) for item in value):
            problems = [p for index, item in enumerate(value) for p in self._bounds_problem(item, f"{path}[{index}]")]
            return tuple(int(item) for item in value), problems
        return None, [Problem(path, f"must be a grey level or [r, g, b], got {describe_value(value)}")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """Parameter values back to JSON (tuples become lists)."""
    return _jsonable(value)


# Shared declarations, so every geometric transform names and bounds them the same way.
FILL_MODES = ("constant", "replicate", "reflect", "wrap")
INTERPOLATIONS = ("nearest", "linear", "cubic", "area")


def probability(default: float = 1.0) -> Param:
    return Param("p", "number", default, 0.0, 1.0, description="chance that this step runs")


def fill_params(default_mode: str = "constant") -> tuple[Param, ...]:
    return (
        Param(
            "fill_mode",
            "enum",
            default_mode,
            choices=FILL_MODES,
            description="pixels the transform uncovers: a constant colour, the nearest edge pixel, the mirror "
            "image (edge pixel not repeated) or the opposite edge",
        ),
        Param("fill", "color", 0, 0, 255, description="colour for fill_mode constant"),
        Param("fill_mask", "integer", 0, 0, 2**31 - 1, description="mask class for fill_mode constant"),
    )


def interpolation_param(default: str = "linear") -> Param:
    return Param("interpolation", "enum", default, choices=INTERPOLATIONS, description="image resampling")


def names(params: Sequence[Param]) -> list[str]:
    return [param.name for param in params]
