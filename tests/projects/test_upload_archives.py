"""ZIP uploads: entries are checked one by one; unsafe, nested or oversized entries are refused, others kept."""

from __future__ import annotations

import io
import zipfile

import pytest

from projects.models import Item, LabelClass
from projects.signals import items_ingested
from projects.uploads.archives import Entry, RejectedEntry, read_zip
from tests.factories import make_project
from tests.projects.hostile import (
    assert_storage_matches_items,
    image_bytes,
    jpeg_bytes,
    line_for,
    make_zip,
    post_files,
    symlink_info,
    zip_bomb_entry,
    zip_with_lying_size,
)

pytestmark = pytest.mark.django_db


def names_of_items(project) -> list[str]:
    return list(Item.objects.filter(project=project).order_by("id").values_list("original_name", flat=True))


def test_zip_entries_become_items_named_by_their_path(manager_api, project):
    archive = make_zip([("cats/1.jpg", jpeg_bytes(1)), ("2.png", image_bytes())])
    response = post_files(manager_api, project, [("pets.zip", archive)])
    assert response.status_code == 201, response.data
    assert line_for(response, "pets.zip:cats/1.jpg")["status"] == "accepted"
    assert names_of_items(project) == ["cats/1.jpg", "2.png"]
    item = Item.objects.get(original_name="2.png")
    assert item.provenance == {"source": "upload", "archive": "pets.zip"}
    assert_storage_matches_items(project)


def test_zip_entry_with_parent_path_is_rejected_and_others_kept(manager_api, project):
    archive = make_zip([("../evil.png", image_bytes()), ("ok.jpg", jpeg_bytes(1))])
    response = post_files(manager_api, project, [("a.zip", archive)])
    line = line_for(response, "a.zip:../evil.png")
    assert line["status"] == "rejected" and line["code"] == "unsafe_path" and "'..'" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]
    assert_storage_matches_items(project)


def test_zip_entry_with_absolute_path_is_rejected(manager_api, project):
    archive = make_zip([("/etc/x.png", image_bytes()), ("ok.jpg", jpeg_bytes(1))])
    response = post_files(manager_api, project, [("a.zip", archive)])
    line = line_for(response, "a.zip:/etc/x.png")
    assert line["code"] == "unsafe_path" and "absolute" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]
    assert_storage_matches_items(project)


def test_zip_symlink_entry_is_rejected(manager_api, project):
    archive = make_zip([(symlink_info("link.png"), b"/etc/passwd"), ("ok.jpg", jpeg_bytes(1))])
    response = post_files(manager_api, project, [("a.zip", archive)])
    line = line_for(response, "a.zip:link.png")
    assert line["code"] == "unsafe_path" and "symbolic link" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]
    assert_storage_matches_items(project)


def test_nested_zip_is_rejected_even_when_named_like_an_image(manager_api, project):
    inner = make_zip([("inside.png", image_bytes())])
    archive = make_zip([("inner.zip", inner), ("disguised.jpg", inner), ("ok.jpg", jpeg_bytes(1))])
    response = post_files(manager_api, project, [("a.zip", archive)])
    for name in ("a.zip:inner.zip", "a.zip:disguised.jpg"):
        line = line_for(response, name)
        assert line["code"] == "nested_archive" and "nested archive (zip)" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]
    assert_storage_matches_items(project)


def test_zip_bomb_entry_is_refused_by_its_compression_ratio(manager_api, project):
    archive = make_zip([zip_bomb_entry(), ("ok.jpg", jpeg_bytes(1))])
    assert len(archive) < 100_000
    response = post_files(manager_api, project, [("bomb.zip", archive)])
    line = line_for(response, "bomb.zip:bomb.bmp")
    assert line["code"] == "archive_limit" and "compression ratio" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]
    assert_storage_matches_items(project)


def test_archive_with_too_many_entries_is_rejected_whole(manager_api, project, settings):
    settings.ARCHIVE_MAX_ENTRIES = 3
    archive = make_zip([(f"{i}.jpg", jpeg_bytes(i)) for i in range(5)])
    response = post_files(manager_api, project, [("many.zip", archive), ("good.png", image_bytes())])
    line = line_for(response, "many.zip")
    assert line["code"] == "archive_limit" and "5 entries" in line["reason"] and "limit is 3" in line["reason"]
    assert names_of_items(project) == ["good.png"]
    assert_storage_matches_items(project)


def test_entry_whose_declared_size_lies_is_rejected_and_not_stored(manager_api, project):
    real = jpeg_bytes(9, size=(64, 64))
    archive = zip_with_lying_size("liar.jpg", real, declared=100)
    response = post_files(manager_api, project, [("liar.zip", archive), ("good.png", image_bytes())])
    line = line_for(response, "liar.zip:liar.jpg")
    assert line["status"] == "rejected" and line["code"] == "corrupt"
    assert names_of_items(project) == ["good.png"]
    assert_storage_matches_items(project)


def test_entry_larger_than_the_per_file_limit_is_rejected_with_413_reason(manager_api, project, settings):
    settings.MAX_UPLOAD_FILE_BYTES = 50_000
    archive = make_zip([("big.bmp", image_bytes("BMP", (200, 200))), ("ok.jpg", jpeg_bytes(1))])
    assert len(archive) < settings.MAX_UPLOAD_FILE_BYTES
    response = post_files(manager_api, project, [("a.zip", archive)])
    line = line_for(response, "a.zip:big.bmp")
    assert line["code"] == "too_large" and "(413)" in line["reason"]
    assert names_of_items(project) == ["ok.jpg"]


def test_real_inflated_bytes_are_counted_not_the_declared_sizes(project, settings, monkeypatch):
    # CPython's zipfile already stops at the declared size (and then fails the CRC); the running count must hold
    # on its own, so here the member stream yields more than the entry declares.
    settings.MAX_UPLOAD_FILE_BYTES = 500_000  # below the size from which the compression ratio is checked
    archive = make_zip([("liar.bmp", b"small"), ("ok.jpg", jpeg_bytes(1))])
    real_open = zipfile.ZipFile.open

    def open_member(self, name, *args, **kwargs):
        if getattr(name, "filename", name) == "liar.bmp":
            return io.BytesIO(b"BM" + b"\x00" * 600_000)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_member)
    results = list(read_zip(io.BytesIO(archive)))
    assert isinstance(results[0], RejectedEntry) and results[0].rejection.code == "too_large"
    assert isinstance(results[1], Entry) and results[1].path == "ok.jpg"


def test_entries_past_the_total_budget_are_not_read(settings, monkeypatch):
    settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES = 600_000
    archive = make_zip([("a.bmp", b"small"), ("b.jpg", jpeg_bytes(1))])
    real_open = zipfile.ZipFile.open
    opened = []

    def open_member(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        if opened[-1] == "a.bmp":
            return io.BytesIO(b"BM" + b"\x00" * 700_000)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_member)
    results = list(read_zip(io.BytesIO(archive)))
    assert [r.rejection.code for r in results] == ["archive_limit", "archive_limit"]
    assert "total uncompressed size" in results[0].rejection.reason
    assert "not read" in results[1].rejection.reason
    assert opened == ["a.bmp"]


def test_archive_declaring_more_than_the_total_limit_is_rejected_whole(manager_api, project, settings):
    settings.ARCHIVE_MAX_UNCOMPRESSED_BYTES = 100_000
    archive = make_zip([(f"{i}.bmp", image_bytes("BMP", (200, 200), color=(i, 0, 0))) for i in range(2)])
    response = post_files(manager_api, project, [("a.zip", archive)])
    line = line_for(response, "a.zip")
    assert line["code"] == "archive_limit" and "declares" in line["reason"]
    assert names_of_items(project) == []


def test_report_keeps_the_order_of_the_entries(manager_api, manager):
    project = make_project(manager=manager, kinds=("bbox", "text_class"), name="Mixed")
    entries = [(f"{i}.jpg", jpeg_bytes(i)) for i in range(6)]
    entries[2] = ("notes.txt", b"a line")
    entries[4] = ("page.jpg", b"<html></html>")
    response = post_files(manager_api, project, [("mixed.zip", make_zip(entries))])
    names = [line["name"] for line in response.data["report"]]
    assert names == [
        "mixed.zip:0.jpg",
        "mixed.zip:1.jpg",
        "mixed.zip:notes.txt:line 1",
        "mixed.zip:3.jpg",
        "mixed.zip:page.jpg",
        "mixed.zip:5.jpg",
    ]
    assert [line["status"] for line in response.data["report"]].count("accepted") == 5


def test_macos_clutter_and_directories_are_skipped_without_report_lines(manager_api, project):
    archive = make_zip(
        [
            ("photos/", b""),
            ("__MACOSX/photos/._1.jpg", b"junk"),
            ("photos/.DS_Store", b"junk"),
            ("photos/1.jpg", jpeg_bytes(1)),
        ]
    )
    response = post_files(manager_api, project, [("a.zip", archive)])
    assert [line["name"] for line in response.data["report"]] == ["a.zip:photos/1.jpg"]


def test_empty_archive_is_reported_as_holding_no_files(manager_api, project):
    response = post_files(manager_api, project, [("empty.zip", make_zip([]))])
    assert response.status_code == 400
    assert "no files" in line_for(response, "empty.zip")["reason"]


def test_tar_archives_are_unsupported(manager_api, project):
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = image_bytes()
        info = tarfile.TarInfo("a.png")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    response = post_files(manager_api, project, [("a.tar", buffer.getvalue())])
    assert response.status_code == 415
    assert "upload a ZIP" in line_for(response, "a.tar")["reason"]


def test_utf8_entry_names_without_the_utf8_flag_are_decoded(manager_api, project):
    name = "\u00e9t\u00e9.jpg"  # UTF-8 bytes of equal length replace an ASCII placeholder; the flag stays unset
    placeholder = b"x" * (len(name.encode()) - 4) + b".jpg"
    archive = make_zip([(placeholder.decode(), jpeg_bytes(1))]).replace(placeholder, name.encode())
    response = post_files(manager_api, project, [("a.zip", archive)])
    assert line_for(response, f"a.zip:{name}")["status"] == "accepted"
    assert names_of_items(project) == [name]


class TestClassFolders:
    def test_top_level_folders_become_image_classes_sent_with_the_items(self, manager_api, project):
        received = []

        def receiver(sender, project, user, labels, **kwargs):
            received.extend((item.original_name, label) for item, label in labels)

        items_ingested.connect(receiver)
        try:
            archive = make_zip([("cat/1.jpg", jpeg_bytes(1)), ("dog/2.jpg", jpeg_bytes(2)), ("3.jpg", jpeg_bytes(3))])
            response = post_files(manager_api, project, [("pets.zip", archive)], class_folders="true")
        finally:
            items_ingested.disconnect(receiver)
        assert response.status_code == 201
        assert sorted(received) == [("cat/1.jpg", {"image_class": "cat"}), ("dog/2.jpg", {"image_class": "dog"})]

    def test_only_accepted_items_are_sent_with_their_labels(self, manager_api, project):
        post_files(
            manager_api, project, [("first.zip", make_zip([("cat/1.jpg", jpeg_bytes(1))]))], class_folders="true"
        )
        received = []

        def receiver(sender, project, user, labels, **kwargs):
            received.extend(item.original_name for item, _ in labels)

        items_ingested.connect(receiver)
        try:
            archive = make_zip(
                [("cat/again.jpg", jpeg_bytes(1)), ("dog/new.jpg", jpeg_bytes(2)), ("dog/bad.jpg", b"<x>")]
            )
            post_files(manager_api, project, [("second.zip", archive)], class_folders="true")
        finally:
            items_ingested.disconnect(receiver)
        assert received == ["dog/new.jpg"]

    def test_folder_naming_an_unknown_class_is_rejected_naming_the_class(self, manager_api, project):
        archive = make_zip([("bird/1.jpg", jpeg_bytes(1)), ("cat/2.jpg", jpeg_bytes(2))])
        response = post_files(manager_api, project, [("pets.zip", archive)], class_folders="true")
        line = line_for(response, "pets.zip:bird/1.jpg")
        assert line["code"] == "unknown_class" and "'bird'" in line["reason"] and "create_classes" in line["reason"]
        assert names_of_items(project) == ["cat/2.jpg"]
        assert not LabelClass.objects.filter(project=project, name="bird").exists()
        assert_storage_matches_items(project)

    def test_create_classes_adds_the_missing_class_to_the_schema(self, manager_api, project):
        archive = make_zip([("bird/1.jpg", jpeg_bytes(1))])
        response = post_files(
            manager_api, project, [("pets.zip", archive)], class_folders="true", create_classes="true"
        )
        assert line_for(response, "pets.zip:bird/1.jpg")["status"] == "accepted"
        bird = LabelClass.objects.get(project=project, name="bird")
        assert bird.color.startswith("#") and len(bird.color) == 7

    def test_class_folders_need_a_classification_kind(self, manager_api, manager):
        boxes_only = make_project(manager=manager, kinds=("bbox",), name="Boxes")
        archive = make_zip([("cat/1.jpg", jpeg_bytes(1))])
        response = post_files(manager_api, boxes_only, [("pets.zip", archive)], class_folders="true")
        assert response.status_code == 400
        assert "class_folders" in response.data["errors"]
