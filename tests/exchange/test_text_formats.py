"""JSONL, CoNLL and CSV: offsets in code points (emoji), tokenisation, spreadsheet safety, round trips."""

from __future__ import annotations

import csv
import io
import json

import pytest

from exchange.formats import conll
from exchange.formats.table import neutralise, restore
from labeling.models import Annotation
from projects.models import Role
from tests.exchange.conftest import annotate, body_of, class_id, export, import_file, zip_files
from tests.factories import add_member, make_image_item, make_project, make_text_item

pytestmark = pytest.mark.django_db

EMOJI_TEXT = "I ❤️ New York 🗽 and =SUM(A1) too"


@pytest.fixture
def texts(manager):
    project = make_project(
        manager=manager,
        name="texts",
        kinds=("text_class", "text_span"),
        classes=(("PLACE", "#ff0000", "p"), ("positive", "#00ff00", "o"), ("=EVIL()", "#0000ff", "e")),
    )
    annotator = add_member(project, Role.ANNOTATOR)
    place, positive = class_id(project, "PLACE"), class_id(project, "positive")
    emoji = make_text_item(project, EMOJI_TEXT, split="train", name="doc1")
    start = EMOJI_TEXT.index("New")
    statue = EMOJI_TEXT.index("🗽")
    annotate(
        project,
        emoji,
        annotator,
        [
            {"kind": "text_class", "label_class": positive},
            {"kind": "text_span", "label_class": place, "start": start, "end": start + len("New York")},
            {"kind": "text_span", "label_class": place, "start": statue, "end": statue + 1},
        ],
    )
    make_text_item(project, "nothing to see", split="val", name="doc2")
    return project


def test_jsonl_spans_use_code_point_offsets_and_quote_their_text(texts, manager_api):
    files = zip_files(body_of(export(manager_api, texts, format="jsonl")))
    record = json.loads(files["train.jsonl"])
    assert record["label"] == "positive"
    for span in record["spans"]:
        assert record["text"][span["start"] : span["end"]] == span["text"]
    assert [s["text"] for s in record["spans"]] == ["New York", "🗽"]
    assert json.loads(files["val.jsonl"])["spans"] == []


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("jsonl", {}),
        ("jsonl", {"single_file": True}),
        ("conll", {}),
        ("csv", {}),
        ("csv", {"csv_rows": "item"}),
        ("csv", {"single_file": True}),
    ],
)
def test_text_round_trip_gives_the_same_label_files(texts, manager_api, fmt, options):
    before = body_of(export(manager_api, texts, format=fmt, **options))
    Annotation.objects.filter(project=texts).delete()
    name = "labels.csv" if options.get("single_file") and fmt == "csv" else "labels.jsonl" if options else "labels.zip"
    response = import_file(manager_api, texts, before, name, format=fmt)
    assert response.status_code == 201, response.data
    assert response.data["created"]["items"] == 0
    after = body_of(export(manager_api, texts, format=fmt, **options))
    assert _labels(after, fmt) == _labels(before, fmt)


def _labels(data: bytes, fmt: str) -> dict[str, object]:
    """Every file's content; for CSV without the columns that name the annotation (its id and annotator)."""
    files = zip_files(data) if data.startswith(b"PK") else {"": data}
    return {name: _without_annotation_columns(content) if fmt == "csv" else content for name, content in files.items()}


def _without_annotation_columns(content: bytes) -> list:
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    return [{k: v for k, v in row.items() if k not in ("annotation_id", "annotator")} for row in rows]


def test_jsonl_import_creates_text_items_it_does_not_find(texts, manager_api, manager):
    data = body_of(export(manager_api, texts, format="jsonl", single_file=True))
    fresh = make_project(manager=manager, name="fresh", kinds=("text_class", "text_span"), classes=())
    response = import_file(manager_api, fresh, data, "x.jsonl", format="jsonl", create_missing_classes=True)
    assert response.status_code == 201, response.data
    assert response.data["created"] == {"items": 2, "annotations": 1, "regions": 3, "classes": 2}
    assert set(fresh.items.values_list("text", flat=True)) == {EMOJI_TEXT, "nothing to see"}


def test_conll_tokenises_words_and_single_symbols_with_stated_regex():
    assert [t for t, _, _ in conll.tokens("Hi, New-York 🗽!")] == ["Hi", ",", "New", "-", "York", "🗽", "!"]


def test_conll_tags_spans_in_bio_and_keeps_the_text_for_offsets(texts, manager_api):
    files = zip_files(body_of(export(manager_api, texts, format="conll")))
    lines = files["train.conll"].decode().splitlines()
    assert f"# text = {json.dumps(EMOJI_TEXT, ensure_ascii=False)}" in lines
    tagged = [line for line in lines if "\t" in line and not line.endswith("\tO")]
    assert tagged == ["New\tB-PLACE", "York\tI-PLACE", "🗽\tB-PLACE"]
    assert "warnings.txt" not in files


def test_conll_widens_a_span_inside_a_token_and_says_so(manager, manager_api):
    project = make_project(manager=manager, name="t", kinds=("text_span",), classes=(("X", "#ff0000", "x"),))
    item = make_text_item(project, "unbelievable story", split="train")
    annotate(
        project, item, manager, [{"kind": "text_span", "label_class": class_id(project, "X"), "start": 2, "end": 6}]
    )
    files = zip_files(body_of(export(manager_api, project, format="conll")))
    assert "unbelievable\tB-X" in files["train.conll"].decode()
    assert "not on token boundaries; tagged as 0-12" in files["warnings.txt"].decode()


def test_csv_neutralises_formula_cells_and_restores_them_exactly():
    for value in ["=1+1", "+x", "-y", "@z", "\tq", "'=a", "''+b", "plain", "'quoted"]:
        cell = neutralise(value)
        assert cell[:1] not in ("=", "+", "-", "@", "\t")
        assert restore(cell) == value


def test_csv_export_cells_never_start_a_formula(texts, manager_api):
    data = body_of(export(manager_api, texts, format="csv", single_file=True))
    rows = list(csv.reader(io.StringIO(data.decode())))
    text_cells = [cell for row in rows[1:] for cell in row if cell and not cell.replace(".", "").isdigit()]
    assert all(cell[0] not in "=+-@\t\r" for cell in text_cells)
    assert any(cell == "'=SUM(A1) too" or "=SUM" in cell for cell in text_cells)


def test_csv_lists_boxes_per_region_and_unlabelled_images(project, manager_api, manager):
    item = make_image_item(project, width=40, height=30, split="train", name="=cmd|' /C calc'!A0.png")
    make_image_item(project, color=(1, 1, 1), split="train", name="blank.png")
    annotate(
        project,
        item,
        manager,
        [{"kind": "bbox", "label_class": class_id(project, "cat"), "x": 1, "y": 2, "width": 3, "height": 4}],
    )
    rows = list(
        csv.DictReader(io.StringIO(body_of(export(manager_api, project, format="csv", single_file=True)).decode()))
    )
    assert len(rows) == 2
    box = next(r for r in rows if r["kind"])
    assert (box["class"], box["x"], box["y"], box["box_width"], box["box_height"]) == ("cat", "1", "2", "3", "4")
    assert box["file_name"].startswith(f"{item.pk}_")


def test_csv_round_trip_for_images_with_polygons_and_masks(project, manager_api, manager):
    item = make_image_item(project, width=10, height=10, split="val", name="shape.png")
    annotate(
        project,
        item,
        manager,
        [
            {"kind": "polygon", "label_class": class_id(project, "dog"), "points": [[1, 1], [8, 1], [4, 7]]},
            {"kind": "mask", "label_class": class_id(project, "cat"), "rle": {"size": [10, 10], "counts": [5, 10, 85]}},
            {"kind": "image_class", "label_class": class_id(project, "cat")},
        ],
    )
    before = body_of(export(manager_api, project, format="csv"))
    Annotation.objects.filter(project=project).delete()
    assert import_file(manager_api, project, before, "x.zip", format="csv").status_code == 201
    assert _labels(body_of(export(manager_api, project, format="csv")), "csv") == _labels(before, "csv")
