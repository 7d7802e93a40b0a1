"""Validate regions against the project's schema and the item they label.

Every rule answers with the offending field's path (`regions[2].x`, `regions[0].rle.size`), so a
client can point at what it got wrong. Numbers must be real JSON numbers (not strings or booleans)
and finite; coordinates within the small tolerance outside the image are clipped to it. The result
is a list of Region field dicts, ready for `Region(annotation=..., **fields)`.
"""

from __future__ import annotations

import io
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError
from rest_framework.exceptions import ValidationError

from labeling import rle
from projects.models import IMAGE_KINDS, TEXT_KINDS, AnnotationKind, Item, ItemKind, LabelClass, Project

COMMON_FIELDS = frozenset({"kind", "label_class", "key", "comment", "confidence"})
# Derived values the API shows; a client that sends a region back unchanged may include them.
READ_ONLY_FIELDS = frozenset({"area", "bbox"})
KIND_FIELDS: dict[str, frozenset[str]] = {
    AnnotationKind.BBOX: frozenset({"x", "y", "width", "height"}),
    AnnotationKind.POLYGON: frozenset({"points", "holes"}),
    AnnotationKind.MASK: frozenset({"rle", "png"}),
    AnnotationKind.IMAGE_CLASS: frozenset(),
    AnnotationKind.TEXT_CLASS: frozenset(),
    AnnotationKind.TEXT_SPAN: frozenset({"start", "end"}),
}
MAX_COMMENT_CHARS = 5000
MAX_KEY_CHARS = 64
# Stop collecting after this many messages: one broken import must not produce a megabyte of errors.
MAX_ERRORS = 100
# Polygons whose area is below this (square pixels) are degenerate: collinear or repeated points.
MIN_POLYGON_AREA = 1e-6
PNG_MODES = frozenset({"1", "L", "P", "I", "I;16"})


@dataclass(frozen=True)
class Schema:
    """What validation needs to know about a project, loaded once per request."""

    kinds: frozenset[str]
    classes: dict[int, LabelClass]
    image_class_multi: bool
    text_class_multi: bool
    allow_overlapping_spans: bool

    @classmethod
    def of(cls, project: Project) -> Schema:
        return cls(
            kinds=frozenset(project.kinds),
            classes={c.pk: c for c in LabelClass.objects.filter(project=project)},
            image_class_multi=project.image_class_multi,
            text_class_multi=project.text_class_multi,
            allow_overlapping_spans=project.allow_overlapping_spans,
        )


class _Invalid(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass
class _Errors:
    messages: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        if len(self.messages) < MAX_ERRORS:
            self.messages.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError(self.messages)


def validate_regions(
    raw: Any,
    *,
    item: Item,
    schema: Schema,
    files: Mapping[str, UploadedFile] | None = None,
    path: str = "regions",
) -> list[dict[str, Any]]:
    """Region field dicts for `raw`, or a ValidationError naming every offending field."""
    errors = _Errors()
    if not isinstance(raw, list):
        errors.add(path, "Must be a list of regions.")
        errors.raise_if_any()
    if len(raw) > settings.ANNOTATION_MAX_REGIONS:
        errors.add(path, f"At most {settings.ANNOTATION_MAX_REGIONS} regions per annotation.")
        errors.raise_if_any()
    checker = _RegionChecker(item=item, schema=schema, files=files or {})
    regions: list[dict[str, Any]] = []
    for index, value in enumerate(raw):
        here = f"{path}[{index}]"
        if not isinstance(value, dict):
            errors.add(here, "Must be an object.")
            continue
        try:
            regions.append(checker.region(value, here, errors))
        except _Invalid as invalid:
            errors.add(f"{here}.{invalid.field_name}", invalid.message)
    errors.raise_if_any()
    _check_across_regions(regions, schema, path, errors)
    errors.raise_if_any()
    return regions


def _check_across_regions(regions: list[dict[str, Any]], schema: Schema, path: str, errors: _Errors) -> None:
    keys: dict[str, int] = {}
    classes_seen: dict[tuple[str, int], int] = {}
    per_kind_count = {AnnotationKind.IMAGE_CLASS: 0, AnnotationKind.TEXT_CLASS: 0}
    multi = {AnnotationKind.IMAGE_CLASS: schema.image_class_multi, AnnotationKind.TEXT_CLASS: schema.text_class_multi}
    spans: list[tuple[int, int, int]] = []
    for index, region in enumerate(regions):
        here = f"{path}[{index}]"
        if region["key"] in keys:
            errors.add(f"{here}.key", f"Key {region['key']!r} is already used by {path}[{keys[region['key']]}].")
        keys.setdefault(region["key"], index)
        kind = region["kind"]
        if kind in per_kind_count:
            per_kind_count[kind] += 1
            seen = classes_seen.setdefault((kind, region["label_class_id"]), index)
            if seen != index:
                errors.add(f"{here}.label_class", f"This class is already given by {path}[{seen}].")
            elif per_kind_count[kind] > 1 and not multi[kind]:
                noun = "image" if kind == AnnotationKind.IMAGE_CLASS else "text"
                errors.add(f"{here}.label_class", f"This project allows one {noun} class per item.")
        elif kind == AnnotationKind.TEXT_SPAN:
            spans.append((region["start"], region["end"], index))
    if spans and not schema.allow_overlapping_spans:
        spans.sort()
        furthest_end, furthest_index = -1, -1
        for start, end, index in spans:
            if start < furthest_end:
                errors.add(
                    f"{path}[{index}].start",
                    f"Overlaps {path}[{furthest_index}]; this project does not allow overlapping spans.",
                )
            if end > furthest_end:
                furthest_end, furthest_index = end, index


class _RegionChecker:
    def __init__(self, *, item: Item, schema: Schema, files: Mapping[str, UploadedFile]) -> None:
        self.item = item
        self.schema = schema
        self.files = files
        self.tolerance = settings.ANNOTATION_COORDINATE_TOLERANCE_PX
        self.allowed_kinds = IMAGE_KINDS if item.kind == ItemKind.IMAGE else TEXT_KINDS

    def region(self, value: dict[str, Any], here: str, errors: _Errors) -> dict[str, Any]:
        kind = value.get("kind")
        if "kind" not in value:
            raise _Invalid("kind", "This field is required.")
        if not isinstance(kind, str) or kind not in KIND_FIELDS:
            raise _Invalid("kind", f"Must be one of {', '.join(KIND_FIELDS)}.")
        allowed = COMMON_FIELDS | KIND_FIELDS[kind] | READ_ONLY_FIELDS
        unknown = sorted(k for k in value if k not in allowed)
        if unknown:
            for name in unknown[1:]:
                errors.add(f"{here}.{name}", "Unknown field.")
            raise _Invalid(unknown[0], "Unknown field.")
        if kind not in self.schema.kinds:
            raise _Invalid("kind", f"This project does not use {kind} regions.")
        if kind not in self.allowed_kinds:
            raise _Invalid("kind", f"{kind} regions cannot label a {self.item.kind} item.")
        fields: dict[str, Any] = {
            "kind": kind,
            "label_class_id": self._label_class(value, kind),
            "key": self._key(value),
            "comment": self._comment(value),
            "confidence": self._confidence(value),
        }
        if kind == AnnotationKind.BBOX:
            fields.update(self._bbox(value))
        elif kind == AnnotationKind.POLYGON:
            fields.update(self._polygon(value))
        elif kind == AnnotationKind.MASK:
            fields.update(self._mask(value))
        elif kind == AnnotationKind.TEXT_SPAN:
            fields.update(self._span(value))
        return fields

    # --- common fields ----------------------------------------------------------------------

    def _label_class(self, value: dict[str, Any], kind: str) -> int:
        if "label_class" not in value:
            raise _Invalid("label_class", "This field is required.")
        class_id = value["label_class"]
        if not _is_int(class_id):
            raise _Invalid("label_class", "Must be the integer id of one of the project's classes.")
        label_class = self.schema.classes.get(class_id)
        if label_class is None:
            raise _Invalid("label_class", f"Class {class_id} is not in this project's schema.")
        if not label_class.allows(kind):
            raise _Invalid("label_class", f"Class {label_class.name!r} cannot be used for {kind} regions.")
        return class_id

    def _key(self, value: dict[str, Any]) -> str:
        key = value.get("key")
        if key is None:
            return uuid.uuid4().hex[:12]
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
            raise _Invalid("key", f"Must be a string of 1 to {MAX_KEY_CHARS} characters.")
        return key

    def _comment(self, value: dict[str, Any]) -> str:
        comment = value.get("comment", "")
        if comment is None:
            return ""
        if not isinstance(comment, str):
            raise _Invalid("comment", "Must be a string.")
        if len(comment) > MAX_COMMENT_CHARS:
            raise _Invalid("comment", f"At most {MAX_COMMENT_CHARS} characters.")
        return comment

    def _confidence(self, value: dict[str, Any]) -> float | None:
        confidence = value.get("confidence")
        if confidence is None:
            return None
        number = _number(confidence, "confidence")
        if not 0 <= number <= 1:
            raise _Invalid("confidence", "Must be between 0 and 1.")
        return number

    # --- image geometry -----------------------------------------------------------------------

    def _bbox(self, value: dict[str, Any]) -> dict[str, Any]:
        x, y, width, height = (_number(_required(value, name), name) for name in ("x", "y", "width", "height"))
        if width <= 0:
            raise _Invalid("width", "Must be greater than 0.")
        if height <= 0:
            raise _Invalid("height", "Must be greater than 0.")
        image_width, image_height = self.item.width, self.item.height
        if image_width is not None and image_height is not None:
            self._within("x", x, image_width)
            self._within("y", y, image_height)
            self._within("width", x + width, image_width, what="The box's right edge")
            self._within("height", y + height, image_height, what="The box's bottom edge")
            left, right = _clip(x, image_width), _clip(x + width, image_width)
            top, bottom = _clip(y, image_height), _clip(y + height, image_height)
            x, y, width, height = left, top, right - left, bottom - top
            if width <= 0 or height <= 0:
                raise _Invalid("x", "The box lies outside the image.")
        return {"x": x, "y": y, "width": width, "height": height, "area": width * height}

    def _within(self, name: str, value: float, limit: int, what: str | None = None) -> None:
        if value < -self.tolerance or value > limit + self.tolerance:
            subject = what or f"{name} = {value:g}"
            raise _Invalid(name, f"{subject} is outside the image (0 to {limit} pixels).")

    def _polygon(self, value: dict[str, Any]) -> dict[str, Any]:
        points, outer_area = self._ring(_required(value, "points"), "points")
        holes_raw = value.get("holes")
        holes: list[list[list[float]]] = []
        hole_area = 0.0
        if holes_raw is not None:
            if not isinstance(holes_raw, list):
                raise _Invalid("holes", "Must be a list of rings, each a list of [x, y] points.")
            for index, ring in enumerate(holes_raw):
                hole, area = self._ring(ring, f"holes[{index}]")
                holes.append(hole)
                hole_area += area
        area = outer_area - hole_area
        if area <= MIN_POLYGON_AREA:
            raise _Invalid("holes", "The holes cover the whole polygon.")
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        left, top = min(xs), min(ys)
        return {
            "points": points,
            "holes": holes,
            "area": area,
            "x": left,
            "y": top,
            "width": max(xs) - left,
            "height": max(ys) - top,
        }

    def _ring(self, raw: Any, name: str) -> tuple[list[list[float]], float]:
        if not isinstance(raw, list):
            raise _Invalid(name, "Must be a list of [x, y] points.")
        if len(raw) < 3:
            raise _Invalid(name, f"A polygon needs at least 3 points; got {len(raw)}.")
        if len(raw) > settings.ANNOTATION_MAX_POLYGON_POINTS:
            raise _Invalid(name, f"At most {settings.ANNOTATION_MAX_POLYGON_POINTS} points.")
        image_width, image_height = self.item.width, self.item.height
        bounded = image_width is not None and image_height is not None
        points: list[list[float]] = []
        for index, point in enumerate(raw):
            here = f"{name}[{index}]"
            if not isinstance(point, list) or len(point) != 2:
                raise _Invalid(here, "Must be a point [x, y].")
            x, y = _number(point[0], here), _number(point[1], here)
            if bounded:
                self._within(here, x, image_width, what=f"x = {x:g}")  # type: ignore[arg-type]
                self._within(here, y, image_height, what=f"y = {y:g}")  # type: ignore[arg-type]
                x, y = _clip(x, image_width), _clip(y, image_height)  # type: ignore[arg-type]
            points.append([x, y])
        array = np.asarray(points, dtype=np.float64)
        xs, ys = array[:, 0], array[:, 1]
        area = 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))
        if area <= MIN_POLYGON_AREA:
            raise _Invalid(name, "The polygon has zero area (its points are collinear or repeated).")
        return points, area

    def _mask(self, value: dict[str, Any]) -> dict[str, Any]:
        has_rle, has_png = value.get("rle") is not None, value.get("png") is not None
        if has_rle == has_png:
            raise _Invalid("rle", "Give the mask either as rle {size, counts} or as png (a multipart file part).")
        if self.item.width is None or self.item.height is None:
            raise _Invalid("kind", "This item has no known size, so it cannot take a mask.")
        height, width = self.item.height, self.item.width
        counts = self._rle_counts(value["rle"], height, width) if has_rle else self._png_counts(value["png"])
        area = rle.area(counts)
        if area == 0:
            raise _Invalid("png" if has_png else "rle", "The mask is empty.")
        box = rle.bounding_box(counts, height)
        assert box is not None  # a mask with area has a bounding box
        return {
            "rle": rle.to_string(counts),
            "mask_height": height,
            "mask_width": width,
            "area": float(area),
            "x": float(box[0]),
            "y": float(box[1]),
            "width": float(box[2]),
            "height": float(box[3]),
        }

    def _rle_counts(self, raw: Any, height: int, width: int) -> list[int]:
        if not isinstance(raw, dict):
            raise _Invalid("rle", "Must be an object {size: [height, width], counts}.")
        unknown = sorted(set(raw) - {"size", "counts"})
        if unknown:
            raise _Invalid(f"rle.{unknown[0]}", "Unknown field.")
        size = _required(raw, "size", "rle.size")
        if not isinstance(size, list) or len(size) != 2 or not all(_is_int(v) for v in size):
            raise _Invalid("rle.size", "Must be [height, width] as integers.")
        if size != [height, width]:
            raise _Invalid(
                "rle.size", f"The mask is {size[0]}x{size[1]} (heightxwidth) but the image is {height}x{width}."
            )
        counts_raw = _required(raw, "counts", "rle.counts")
        if isinstance(counts_raw, str):
            try:
                counts = rle.from_string(counts_raw)
            except rle.RLEError as error:
                raise _Invalid("rle.counts", str(error)) from None
            if any(c < 0 for c in counts):
                raise _Invalid("rle.counts", "Run lengths cannot be negative.")
        elif isinstance(counts_raw, list):
            if len(counts_raw) > height * width + 1:
                raise _Invalid("rle.counts", "More runs than pixels.")
            for index, count in enumerate(counts_raw):
                if not _is_int(count) or count < 0:
                    raise _Invalid(f"rle.counts[{index}]", "Must be a non-negative integer.")
            counts = counts_raw
        else:
            raise _Invalid("rle.counts", "Must be a compressed COCO string or a list of run lengths.")
        total = sum(counts)
        if total != height * width:
            raise _Invalid("rle.counts", f"Run lengths sum to {total}, not heightxwidth = {height * width}.")
        return counts

    def _png_counts(self, name: Any) -> list[int]:
        if not isinstance(name, str):
            raise _Invalid("png", "Must name a multipart file part holding the PNG.")
        upload = self.files.get(name)
        if upload is None:
            raise _Invalid("png", f"The request has no file part named {name!r}.")
        upload.seek(0)
        try:
            image = Image.open(io.BytesIO(upload.read()))
            if image.format != "PNG":
                raise _Invalid("png", f"Must be a PNG file, not {image.format}.")
            if image.mode not in PNG_MODES:
                raise _Invalid("png", f"Must be a single-channel PNG (grey or palette); this one is {image.mode}.")
            # Compare sizes from the header before decoding, so an oversized file is never expanded.
            if image.size != (self.item.width, self.item.height):
                raise _Invalid(
                    "png",
                    f"The mask is {image.width}x{image.height} (widthxheight) "
                    f"but the image is {self.item.width}x{self.item.height}.",
                )
            mask = np.asarray(image) != 0
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            raise _Invalid("png", f"Not a readable PNG: {error}.") from None
        return rle.encode(mask)

    # --- text ------------------------------------------------------------------------------------

    def _span(self, value: dict[str, Any]) -> dict[str, Any]:
        start, end = _required(value, "start"), _required(value, "end")
        if not _is_int(start):
            raise _Invalid("start", "Must be an integer (a Unicode code point offset).")
        if not _is_int(end):
            raise _Invalid("end", "Must be an integer (a Unicode code point offset).")
        length = len(self.item.text)
        if start < 0:
            raise _Invalid("start", "Must be 0 or more.")
        if start >= length:
            raise _Invalid("start", f"Past the end of the text ({length} code points).")
        if end <= start:
            raise _Invalid("end", "Must be greater than start.")
        if end > length:
            raise _Invalid("end", f"Past the end of the text ({length} code points).")
        return {"start": start, "end": end}


def _required(value: dict[str, Any], name: str, path: str | None = None) -> Any:
    if name not in value:
        raise _Invalid(path or name, "This field is required.")
    return value[name]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) < value < 2**63


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(name, "Must be a number.")
    try:
        number = float(value)
    except OverflowError:
        raise _Invalid(name, "Must be a finite number.") from None
    if not math.isfinite(number):
        raise _Invalid(name, "Must be a finite number.")
    return number


def _clip(value: float, limit: int) -> float:
    return min(max(value, 0.0), float(limit))


# --- time reports ---------------------------------------------------------------------------------

EVENT_TYPES = frozenset({"created", "edited", "deleted"})
EVENT_FIELDS = frozenset({"type", "region_key", "tool", "label_class", "started_at_ms", "duration_ms"})
TIME_REPORT_FIELDS = frozenset({"session", "active_ms", "events"})
# Milliseconds beyond this (about 285,000 years) are not a clock reading but an attempt to overflow one.
MAX_MS = 2**53


@dataclass(frozen=True)
class TimeReport:
    """A client's report of its work on one session: cumulative active time and new region events.

    Each event's `started_at_ms` counts from the session's start, by the client's clock.
    """

    session_id: int
    active_ms: int
    events: list[dict[str, Any]]


def validate_time_report(raw: Any, *, schema: Schema, path: str = "time") -> TimeReport:
    """A TimeReport, or a ValidationError naming the field. Implausible values (negative times,
    events out of order) are not errors here: the server keeps and flags them."""
    errors = _Errors()
    prefix = f"{path}." if path else ""
    if not isinstance(raw, dict):
        errors.add(path or "non_field_errors", "Must be an object {session, active_ms, events}.")
        errors.raise_if_any()
    for name in sorted(set(raw) - TIME_REPORT_FIELDS):
        errors.add(f"{prefix}{name}", "Unknown field.")
    for name in ("session", "active_ms"):
        if name not in raw:
            errors.add(f"{prefix}{name}", "This field is required.")
        elif not _is_int(raw[name]) or abs(raw[name]) >= MAX_MS:
            errors.add(f"{prefix}{name}", "Must be an integer.")
    if "session" in raw and _is_int(raw["session"]) and raw["session"] <= 0:
        errors.add(f"{prefix}session", "Must be a positive session id.")
    events_raw = raw.get("events", [])
    events: list[dict[str, Any]] = []
    if not isinstance(events_raw, list):
        errors.add(f"{prefix}events", "Must be a list of events.")
    elif len(events_raw) > settings.ANNOTATION_MAX_TIME_EVENTS:
        errors.add(f"{prefix}events", f"At most {settings.ANNOTATION_MAX_TIME_EVENTS} events per report.")
    else:
        for index, event in enumerate(events_raw):
            try:
                events.append(_event(event, schema))
            except _Invalid as invalid:
                suffix = f".{invalid.field_name}" if invalid.field_name else ""
                errors.add(f"{prefix}events[{index}]{suffix}", invalid.message)
    errors.raise_if_any()
    return TimeReport(session_id=raw["session"], active_ms=raw["active_ms"], events=events)


def _event(event: Any, schema: Schema) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise _Invalid("", "Must be an object.")
    unknown = sorted(set(event) - EVENT_FIELDS)
    if unknown:
        raise _Invalid(unknown[0], "Unknown field.")
    kind = _required(event, "type")
    if kind not in EVENT_TYPES:
        raise _Invalid("type", f"Must be one of {', '.join(sorted(EVENT_TYPES))}.")
    clean: dict[str, Any] = {"type": kind}
    for name in ("started_at_ms", "duration_ms"):
        value = _required(event, name)
        if not _is_int(value) or abs(value) >= MAX_MS:
            raise _Invalid(name, "Must be an integer number of milliseconds.")
        clean[name] = value
    for name, limit in (("region_key", MAX_KEY_CHARS), ("tool", 32)):
        value = event.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise _Invalid(name, f"Must be a string of at most {limit} characters.")
        clean[name] = value
    class_id = event.get("label_class")
    if class_id is not None and (not _is_int(class_id) or class_id not in schema.classes):
        raise _Invalid("label_class", "Must be the id of one of the project's classes.")
    clean["label_class"] = class_id
    return clean
