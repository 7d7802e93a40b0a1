"""JSON Lines for text: one object per text, the same shape the upload reads.

`{"id", "name", "split", "text", "label", "spans"}`: `label` is the text class (a list in projects with
several text classes per item, null when there is none); each span is `{"start", "end", "label",
"text"}` with start and end in Unicode code points (end exclusive), so an emoji counts as one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from exchange.formats.base import (
    Chunks,
    ExportContext,
    ImportedAnnotation,
    ImportedItem,
    ImportInput,
    OutFile,
    ParsedImport,
    Problem,
    buffered,
    dumps,
    items_by_split,
)
from exchange.records import ItemRecord, split_folder, split_from_folder

MEDIA = "text"


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    if ctx.options.get("single_file"):
        yield OutFile("labels.jsonl", lines(ctx, (item for _, items in chunks for item in items)), large=True)
        return
    for split, items in items_by_split(chunks):
        yield OutFile(f"{split_folder(split)}.jsonl", lines(ctx, items), large=True)


def lines(ctx: ExportContext, items: Iterable[ItemRecord]) -> Iterator[bytes]:
    classes = ctx.class_by_id()
    multi = bool(ctx.project.get("text_class_multi"))
    return buffered(dumps(record(item, classes, multi)) + "\n" for item in items)


def record(item: ItemRecord, classes: dict, multi: bool) -> dict[str, Any]:
    labels: list[str] = []
    spans: list[dict[str, Any]] = []
    for region in item.regions():
        label = classes.get(region.class_id)
        if label is None:
            continue
        if region.kind == "text_class":
            labels.append(label.name)
        elif region.kind == "text_span":
            start, end = region.start or 0, region.end or 0
            spans.append({"start": start, "end": end, "label": label.name, "text": item.text[start:end]})
    spans.sort(key=lambda span: (span["start"], span["end"], span["label"]))
    label_value: Any = labels if multi else (labels[0] if labels else None)
    return {
        "id": item.id,
        "name": item.original_name,
        "split": item.split,
        "text": item.text,
        "label": label_value,
        "spans": spans,
    }


# --- import ---------------------------------------------------------------------------------------


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    documents = {p: d for p, d in sorted(source.files.items()) if p.lower().endswith((".jsonl", ".ndjson", ".json"))}
    if not documents:
        parsed.problems.append(Problem("", "", "No .jsonl file found in the upload.", "no_labels"))
    for path, data in documents.items():
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            parsed.problems.append(Problem(path, "", "Not UTF-8 text."))
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                _parse_line(path, f"line {number}", line, split_from_folder(stem), parsed)
    return parsed


def _parse_line(path: str, where: str, line: str, file_split: str | None, parsed: ParsedImport) -> None:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        parsed.problems.append(Problem(path, where, f"Not valid JSON: {error}"))
        return
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"]:
        parsed.problems.append(Problem(path, where, 'Each line must be an object with a non-empty "text".'))
        return
    split = data.get("split")
    annotation = ImportedAnnotation()
    item = ImportedItem(
        file=path,
        where=where,
        kind="text",
        name=str(data["name"]) if isinstance(data.get("name"), str) else "",
        text=data["text"],
        split=split_from_folder(split) if isinstance(split, str) and split else file_split,
        annotations=[annotation],
    )
    parsed.items.append(item)
    label = data.get("label", data.get("class"))
    names = [label] if isinstance(label, str) else label if isinstance(label, list) else []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            parsed.problems.append(Problem(path, where, '"label" must be a class name or a list of class names.'))
            continue
        annotation.regions.append({"class_name": name, "kind": "text_class", "_where": f"{path}:{where}"})
    spans = data.get("spans") or []
    if not isinstance(spans, list):
        parsed.problems.append(Problem(path, where, '"spans" must be a list.'))
        return
    for index, span in enumerate(spans):
        here = f"{where} spans[{index}]"
        if not isinstance(span, dict) or not isinstance(span.get("label"), str):
            parsed.problems.append(Problem(path, here, 'A span needs "start", "end" and a "label".'))
            continue
        quoted = span.get("text")
        start, end = span.get("start"), span.get("end")
        offsets_known = isinstance(quoted, str) and isinstance(start, int) and isinstance(end, int)
        if offsets_known and data["text"][start:end] != quoted:
            parsed.problems.append(
                Problem(path, here, f"The span's text {quoted!r} is not what the offsets {start}-{end} select.")
            )
            continue
        annotation.regions.append(
            {"class_name": span["label"], "kind": "text_span", "start": start, "end": end, "_where": f"{path}:{here}"}
        )
