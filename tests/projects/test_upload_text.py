"""Text uploads: .txt (per line or per file), CSV/TSV and JSONL; encodings, limits, labels and spans."""

from __future__ import annotations

import json

import pytest

from projects.models import Item, VersionItem
from projects.signals import items_ingested
from tests.factories import make_project
from tests.projects.hostile import line_for, make_zip, post_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_project(manager):
    return make_project(
        manager=manager,
        kinds=("text_class", "text_span"),
        classes=(("positive", "#00aa00", "p"), ("negative", "#aa0000", "n"), ("PER", "#0000aa", "")),
        name="Reviews",
    )


@pytest.fixture
def ingested():
    """Labels sent with items_ingested during the test, as (item text, label)."""
    received = []

    def receiver(sender, project, user, labels, **kwargs):
        received.extend((item.text, label) for item, label in labels)

    items_ingested.connect(receiver)
    yield received
    items_ingested.disconnect(receiver)


def texts(project) -> list[str]:
    return list(Item.objects.filter(project=project).order_by("id").values_list("text", flat=True))


def jsonl(*records) -> bytes:
    return "\n".join(json.dumps(record) for record in records).encode()


def test_txt_lines_become_one_item_each_and_blank_lines_are_skipped_quietly(manager_api, text_project):
    response = post_files(manager_api, text_project, [("notes.txt", b"first\n\n  \nsecond\r\nthird")])
    assert response.status_code == 201, response.data
    assert texts(text_project) == ["first", "second", "third"]
    assert [line["name"] for line in response.data["report"]] == [
        "notes.txt:line 1",
        "notes.txt:line 4",
        "notes.txt:line 5",
    ]
    assert Item.objects.get(text="second").original_name == "notes.txt:line 4"


def test_txt_file_mode_makes_one_item_per_file(manager_api, text_project):
    response = post_files(manager_api, text_project, [("doc.txt", b"line one\r\nline two\n")], txt_mode="file")
    assert line_for(response, "doc.txt")["status"] == "accepted"
    assert texts(text_project) == ["line one\nline two\n"]


def test_latin1_text_without_encoding_is_rejected_naming_the_byte_and_the_option(manager_api, text_project):
    latin1 = "ok line\ncaf\u00e9\n".encode("latin-1")
    response = post_files(manager_api, text_project, [("old.txt", latin1), ("new.txt", "th\u00e9".encode())])
    line = line_for(response, "old.txt")
    assert line["code"] == "encoding"
    assert "not valid UTF-8 at byte 11" in line["reason"] and "encoding=latin-1" in line["reason"]
    assert texts(text_project) == ["th\u00e9"]  # the Latin-1 file is refused whole, not half-imported


def test_latin1_text_with_encoding_option_is_decoded(manager_api, text_project):
    content = "ok line\ncaf\u00e9\n".encode("latin-1")
    response = post_files(manager_api, text_project, [("old.txt", content)], encoding="latin-1")
    assert response.status_code == 201
    assert texts(text_project) == ["ok line", "caf\u00e9"]
    assert response.data["options"]["encoding"] == "iso8859-1"


def test_unknown_encoding_option_is_a_400_on_the_option(manager_api, text_project):
    response = post_files(manager_api, text_project, [("a.txt", b"x")], encoding="klingon")
    assert response.status_code == 400
    assert "klingon" in response.data["errors"]["encoding"][0]


def test_bytes_to_bytes_codec_is_not_a_text_encoding(manager_api, text_project):
    response = post_files(manager_api, text_project, [("a.txt", b"x")], encoding="base64")
    assert response.status_code == 400
    assert "not a text encoding" in response.data["errors"]["encoding"][0]


def test_utf8_bom_is_stripped(manager_api, text_project):
    response = post_files(manager_api, text_project, [("bom.txt", "\ufeffhello\nworld".encode())])
    assert response.status_code == 201
    assert texts(text_project) == ["hello", "world"]


def test_utf16_with_encoding_option_is_decoded(manager_api, text_project):
    response = post_files(manager_api, text_project, [("w.txt", "eins\nzwei".encode("utf-16"))], encoding="utf-16")
    assert texts(text_project) == ["eins", "zwei"]
    assert response.status_code == 201


def test_nul_bytes_reject_the_file_and_name_the_line(manager_api, text_project):
    response = post_files(manager_api, text_project, [("bin.txt", b"fine\nbad\x00line\n"), ("good.txt", b"kept")])
    line = line_for(response, "bin.txt")
    assert line["code"] == "encoding" and "NUL character on line 2" in line["reason"]
    assert texts(text_project) == ["kept"]


def test_over_long_line_is_rejected_and_the_others_kept(manager_api, text_project, settings):
    settings.TEXT_ITEM_MAX_CHARS = 20
    response = post_files(manager_api, text_project, [("t.txt", b"short\n" + b"x" * 50 + b"\nalso short\n")])
    line = line_for(response, "t.txt:line 2")
    assert line["code"] == "too_large" and "limit is 20" in line["reason"]
    assert texts(text_project) == ["short", "also short"]


def test_over_long_file_in_file_mode_is_rejected(manager_api, text_project, settings):
    settings.TEXT_ITEM_MAX_CHARS = 20
    response = post_files(manager_api, text_project, [("t.txt", b"y" * 21)], txt_mode="file")
    assert line_for(response, "t.txt")["code"] == "too_large"
    assert texts(text_project) == []


def test_file_of_blank_lines_is_rejected_as_empty(manager_api, text_project):
    response = post_files(manager_api, text_project, [("blank.txt", b"\n  \n\n")])
    assert "no text" in line_for(response, "blank.txt")["reason"]


def test_csv_rows_become_items_with_labels_sent(manager_api, text_project, ingested):
    content = b"id,review,sentiment\n1,Great phone,positive\n2,Broke in a day,negative\n3,No label,\n"
    response = post_files(
        manager_api, text_project, [("data.csv", content)], text_column="review", label_column="sentiment"
    )
    assert response.status_code == 201, response.data
    assert [line["name"] for line in response.data["report"]] == ["data.csv:row 2", "data.csv:row 3", "data.csv:row 4"]
    assert texts(text_project) == ["Great phone", "Broke in a day", "No label"]
    assert sorted(ingested) == [
        ("Broke in a day", {"text_class": "negative"}),
        ("Great phone", {"text_class": "positive"}),
    ]


def test_csv_without_the_named_column_is_a_400_listing_the_columns(manager_api, text_project):
    response = post_files(manager_api, text_project, [("data.csv", b"id,body\n1,hello\n")], text_column="review")
    assert response.status_code == 400
    reason = line_for(response, "data.csv")["reason"]
    assert "'review' not found" in reason and "'id', 'body'" in reason and "text_column" in reason
    assert texts(text_project) == []


def test_csv_without_the_named_column_is_rejected_while_other_files_go_in(manager_api, text_project):
    files = [("bad.csv", b"id,body\n1,hello\n"), ("good.csv", b"review\nnice\n")]
    response = post_files(manager_api, text_project, files, text_column="review")
    assert response.status_code == 201
    assert line_for(response, "bad.csv")["status"] == "rejected"
    assert texts(text_project) == ["nice"]


def test_csv_with_quoted_multiline_field_and_short_row(manager_api, text_project):
    content = b'text,label\n"two\nlines",positive\nonly-one-field-but-ok\n'
    response = post_files(manager_api, text_project, [("d.csv", content)], label_column="label")
    assert texts(text_project) == ["two\nlines"]
    assert "1 fields" in line_for(response, "d.csv:row 3")["reason"]


def test_csv_label_naming_an_unknown_class_is_rejected_naming_it(manager_api, text_project):
    response = post_files(manager_api, text_project, [("d.csv", b"text,label\nhi,neutral\n")], label_column="label")
    line = line_for(response, "d.csv:row 2")
    assert line["code"] == "unknown_class" and "'neutral'" in line["reason"]
    assert texts(text_project) == []


def test_csv_with_a_header_and_no_rows_is_reported(manager_api, text_project):
    response = post_files(manager_api, text_project, [("empty.csv", b"text,label\n\n")])
    assert response.status_code == 400
    assert "no text items" in line_for(response, "empty.csv")["reason"]


def test_tsv_is_read_with_tabs(manager_api, text_project):
    post_files(manager_api, text_project, [("d.tsv", b"text\tlabel\na, b\tpositive\n")], label_column="label")
    assert texts(text_project) == ["a, b"]


def test_jsonl_records_with_labels_and_spans_are_sent(manager_api, text_project, ingested):
    content = jsonl(
        {"text": "Ada Lovelace wrote", "label": "positive", "spans": [{"start": 0, "end": 12, "label": "PER"}]},
        {"text": "plain"},
    )
    response = post_files(manager_api, text_project, [("d.jsonl", content)])
    assert response.status_code == 201, response.data
    assert texts(text_project) == ["Ada Lovelace wrote", "plain"]
    assert ingested == [
        (
            "Ada Lovelace wrote",
            {"text_class": "positive", "spans": [{"start": 0, "end": 12, "label": "PER"}]},
        )
    ]


def test_spans_use_code_point_offsets(manager_api, text_project, ingested):
    text = "\U0001f600 Zo\u00eb"  # an emoji is one code point (two UTF-16 units)
    post_files(
        manager_api,
        text_project,
        [("d.jsonl", jsonl({"text": text, "spans": [{"start": 2, "end": 5, "label": "PER"}]}))],
    )
    assert ingested[0][1]["spans"] == [{"start": 2, "end": 5, "label": "PER"}]
    assert text[2:5] == "Zo\u00eb"


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([{"start": 3, "end": 3, "label": "PER"}], "start < end"),
        ([{"start": 0, "end": 99, "label": "PER"}], "not inside the text"),
        ([{"start": -1, "end": 2, "label": "PER"}], "not inside the text"),
        ([{"start": "0", "end": 2, "label": "PER"}], "integers"),
        ([{"start": 0, "end": 3, "label": "PER"}, {"start": 2, "end": 5, "label": "PER"}], "overlap"),
        ([{"start": 0, "end": 2, "label": "ORG"}], "'ORG'"),
    ],
    ids=["empty", "past-end", "negative", "string-offset", "overlapping", "unknown-class"],
)
def test_jsonl_record_with_bad_spans_is_rejected_and_others_kept(manager_api, text_project, spans, expected):
    content = jsonl({"text": "Hello world", "spans": spans}, {"text": "kept"})
    response = post_files(manager_api, text_project, [("d.jsonl", content)])
    line = line_for(response, "d.jsonl:line 1")
    assert line["status"] == "rejected" and expected in line["reason"]
    assert texts(text_project) == ["kept"]


def test_jsonl_line_that_is_not_an_object_is_rejected(manager_api, text_project):
    response = post_files(manager_api, text_project, [("d.jsonl", b'["a"]\n{"text": "ok"}\nnot json\n')])
    assert "JSON object" in line_for(response, "d.jsonl:line 1")["reason"]
    assert "not valid JSON" in line_for(response, "d.jsonl:line 3")["reason"]
    assert texts(text_project) == ["ok"]


def test_several_labels_need_a_multi_class_project(manager_api, text_project):
    content = jsonl({"text": "both", "label": ["positive", "negative"]})
    response = post_files(manager_api, text_project, [("d.jsonl", content)])
    assert "one text class per item" in line_for(response, "d.jsonl:line 1")["reason"]


def test_spans_are_refused_when_the_project_does_not_use_them(manager_api, manager):
    project = make_project(manager=manager, kinds=("text_class",), classes=(("PER", "#000000", ""),), name="C")
    content = jsonl({"text": "Ada", "spans": [{"start": 0, "end": 3, "label": "PER"}]})
    response = post_files(manager_api, project, [("d.jsonl", content)])
    line = line_for(response, "d.jsonl:line 1")
    assert line["code"] == "wrong_kind" and "text_span" in line["reason"]


def test_same_text_twice_is_a_duplicate(manager_api, text_project):
    first = post_files(manager_api, text_project, [("a.txt", b"same\nsame\n")])
    assert line_for(first, "a.txt:line 2")["status"] == "duplicate"
    assert line_for(first, "a.txt:line 2")["item"] == line_for(first, "a.txt:line 1")["item"]
    second = post_files(manager_api, text_project, [("b.txt", b"same\n")])
    assert line_for(second, "b.txt:line 1")["item"] == line_for(first, "a.txt:line 1")["item"]
    assert texts(text_project) == ["same"]


def test_text_in_a_zip_with_class_folders_gets_the_folder_class(manager_api, text_project, ingested):
    archive = make_zip([("positive/a.txt", b"love it"), ("negative/b.txt", b"hate it")])
    response = post_files(manager_api, text_project, [("t.zip", archive)], class_folders="true")
    assert response.status_code == 201, response.data
    assert sorted(ingested) == [("hate it", {"text_class": "negative"}), ("love it", {"text_class": "positive"})]
    assert Item.objects.get(text="love it").original_name == "positive/a.txt:line 1"


def test_split_option_applies_to_every_accepted_item(manager_api, text_project):
    post_files(manager_api, text_project, [("a.txt", b"one\ntwo")], split="val")
    assert set(VersionItem.objects.filter(item__project=text_project).values_list("split", flat=True)) == {"val"}


def test_text_is_refused_by_an_image_only_project(manager_api, project):
    response = post_files(manager_api, project, [("a.txt", b"hello")])
    assert line_for(response, "a.txt")["code"] == "wrong_kind"
