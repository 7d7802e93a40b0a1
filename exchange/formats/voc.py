"""Pascal VOC XML (object detection).

Export layout, as VOC has it: `Annotations/<image stem>.xml` per image, images in `JPEGImages/`, each
split's image ids in `ImageSets/Main/<split>.txt`, and the class list in `labels.txt` (classes without
objects are listed there too). Boxes are written in pixels as stored, 0-based with the right and bottom
edges at x + width and y + height (as CVAT writes them), so they round-trip exactly; polygons and masks
are written as their bounding boxes. Predictions' confidences go in `<confidence>` (ignored by VOC tools).
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.sax.saxutils import escape

from exchange.formats.base import (
    Chunks,
    ExportContext,
    ImportedAnnotation,
    ImportedItem,
    ImportInput,
    OutFile,
    ParsedImport,
    Problem,
    items_by_split,
)
from exchange.records import ItemRecord, split_folder, split_from_folder

MEDIA = "image"


def _num(value: float | None) -> str:
    """A float as JSON/XML text: Python's repr is the shortest text that reads back as the same float."""
    return repr(float(value or 0.0))


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    yield OutFile("labels.txt", ["".join(f"{c.name}\n" for c in ctx.classes).encode("utf-8")])
    classes = ctx.class_by_id()
    for split, items in items_by_split(chunks):
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+b") as ids:
            for item in items:
                ids.write(f"{item.stem}\n".encode())
                yield OutFile(f"Annotations/{item.stem}.xml", [_document(item, classes)])
            ids.seek(0)
            yield OutFile(f"ImageSets/Main/{split_folder(split)}.txt", [ids.read()])


def image_paths(item: ItemRecord) -> list[str]:
    return [f"JPEGImages/{item.file_name}"]


def _document(item: ItemRecord, classes: dict) -> bytes:
    parts = [
        "<annotation>\n",
        "  <folder>JPEGImages</folder>\n",
        f"  <filename>{escape(item.file_name)}</filename>\n",
        "  <source><database>Tandem</database></source>\n",
        f"  <size><width>{item.width or 0}</width><height>{item.height or 0}</height><depth>3</depth></size>\n",
        "  <segmented>0</segmented>\n",
    ]
    for region in item.regions():
        label = classes.get(region.class_id)
        if label is None or region.kind not in ("bbox", "polygon", "mask") or region.x is None:
            continue
        x, y = region.x, region.y or 0.0
        confidence = "" if region.confidence is None else f"    <confidence>{_num(region.confidence)}</confidence>\n"
        parts.append(
            "  <object>\n"
            f"    <name>{escape(label.name)}</name>\n"
            "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>0</difficult>\n"
            f"{confidence}"
            f"    <bndbox><xmin>{_num(x)}</xmin><ymin>{_num(y)}</ymin>"
            f"<xmax>{_num(x + (region.width or 0))}</xmax><ymax>{_num(y + (region.height or 0))}</ymax></bndbox>\n"
            "  </object>\n"
        )
    parts.append("</annotation>\n")
    return "".join(parts).encode("utf-8")


# --- import ---------------------------------------------------------------------------------------


def _split_lists(source: ImportInput) -> dict[str, str]:
    """Image id → split, from ImageSets/Main/<split>.txt files."""
    splits: dict[str, str] = {}
    for path, data in sorted(source.files.items()):
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == "Main" and path.endswith(".txt"):
            split = split_from_folder(parts[-1][:-4])
            if split is None:
                continue
            for line in data.decode("utf-8", "replace").splitlines():
                if line.strip():
                    splits.setdefault(line.split()[0], split)
    return splits


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    for path, data in sorted(source.files.items()):
        if path.rsplit("/", 1)[-1] == "labels.txt":
            for line in data.decode("utf-8", "replace").splitlines():
                if line.strip():
                    parsed.declared_classes.setdefault(line.strip(), "")
    splits = _split_lists(source)
    documents = {p: d for p, d in sorted(source.files.items()) if p.lower().endswith(".xml")}
    if not documents:
        parsed.problems.append(Problem("", "", "No VOC .xml file found in the upload.", "no_labels"))
    for path, data in documents.items():
        _parse_document(path, data, splits, parsed)
    return parsed


def _text(element: ET.Element | None, tag: str) -> str | None:
    found = element.find(tag) if element is not None else None
    return found.text.strip() if found is not None and found.text is not None else None


def _parse_document(path: str, data: bytes, splits: dict[str, str], parsed: ParsedImport) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        parsed.problems.append(Problem(path, "", "XML with DOCTYPE or ENTITY declarations is refused."))
        return
    try:
        root = ET.fromstring(data)  # noqa: S314  (no DTD, checked above)
    except ET.ParseError as error:
        parsed.problems.append(Problem(path, "", f"Not valid XML: {error}"))
        return
    name = _text(root, "filename")
    if not name:
        parsed.problems.append(Problem(path, "", "<filename> is missing."))
        return
    stem = path.rsplit("/", 1)[-1][:-4]
    size = root.find("size")
    width, height = _text(size, "width"), _text(size, "height")
    item = ImportedItem(
        file=path,
        where="",
        kind="image",
        name=name,
        split=splits.get(stem),
        width=int(width) if width and width.isdigit() and int(width) > 0 else None,
        height=int(height) if height and height.isdigit() and int(height) > 0 else None,
    )
    annotation = ImportedAnnotation()
    item.annotations.append(annotation)
    parsed.items.append(item)
    for index, element in enumerate(root.findall("object")):
        where = f"object[{index}]"
        label = _text(element, "name")
        box = element.find("bndbox")
        try:
            xmin, ymin, xmax, ymax = (float(_text(box, tag) or "") for tag in ("xmin", "ymin", "xmax", "ymax"))
        except ValueError:
            parsed.problems.append(Problem(path, where, "<bndbox> needs numeric xmin, ymin, xmax, ymax."))
            continue
        if not label:
            parsed.problems.append(Problem(path, where, "<name> is missing."))
            continue
        region = {
            "class_name": label,
            "kind": "bbox",
            "x": xmin,
            "y": ymin,
            "width": xmax - xmin,
            "height": ymax - ymin,
            "_where": f"{path}:{where}",
        }
        confidence = _text(element, "confidence")
        if confidence is not None:
            try:
                region["confidence"] = float(confidence)
            except ValueError:
                parsed.problems.append(Problem(path, where, "<confidence> must be a number."))
        annotation.regions.append(region)
