"""Images through the upload API: content decides, broken and hostile files are refused and leave no trace."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageFile

from projects.models import Item
from tests.projects.hostile import (
    HTML,
    SHELL_SCRIPT,
    SVG,
    animated_gif,
    assert_storage_matches_items,
    image_bytes,
    jpeg_bytes,
    line_for,
    png_bomb,
    png_with_bad_crc,
    png_with_garbage_idat,
    post_files,
    random_bytes,
    truncated_jpeg,
    two_colour_jpeg,
)

pytestmark = pytest.mark.django_db


def test_several_images_in_one_request_are_all_accepted_with_their_ids(manager_api, project):
    response = post_files(manager_api, project, [("a.jpg", jpeg_bytes(1)), ("b.png", image_bytes("PNG"))])
    assert response.status_code == 201, response.data
    assert response.data["accepted"] == 2
    for name in ("a.jpg", "b.png"):
        line = line_for(response, name)
        item = Item.objects.get(pk=line["item"])
        assert line["status"] == "accepted" and item.original_name == name
    assert_storage_matches_items(project)


def test_stored_item_records_size_and_sha256_of_the_stored_bytes(manager_api, project):
    data = jpeg_bytes(3, size=(48, 20))
    response = post_files(manager_api, project, [("photo.jpg", data)])
    item = Item.objects.get(pk=line_for(response, "photo.jpg")["item"])
    assert (item.width, item.height) == (48, 20)
    with item.file.open("rb") as stored:
        stored_bytes = stored.read()
    assert stored_bytes == data  # upright JPEG: stored unchanged
    assert item.sha256 == hashlib.sha256(stored_bytes).hexdigest()
    assert item.file.name.startswith(f"projects/{project.pk}/items/{item.sha256[:2]}/{item.sha256}")


@pytest.mark.parametrize(("fmt", "name"), [("TIFF", "scan.tif"), ("BMP", "icon.bmp"), ("WEBP", "web.webp")])
def test_tiff_bmp_and_webp_are_accepted(manager_api, project, fmt, name):
    response = post_files(manager_api, project, [(name, image_bytes(fmt, (20, 10)))])
    assert response.status_code == 201, response.data
    item = Item.objects.get(pk=line_for(response, name)["item"])
    assert (item.width, item.height) == (20, 10)


def test_tiff_is_stored_as_png_because_browsers_cannot_show_tiff(manager_api, project):
    response = post_files(manager_api, project, [("scan.tif", image_bytes("TIFF", (20, 10)))])
    item = Item.objects.get(pk=line_for(response, "scan.tif")["item"])
    with item.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"


def test_gif_keeps_its_first_frame_stored_as_png(manager_api, project):
    response = post_files(manager_api, project, [("anim.gif", animated_gif())])
    assert response.status_code == 201, response.data
    item = Item.objects.get(pk=line_for(response, "anim.gif")["item"])
    assert item.file.name.endswith(".png")
    with item.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.convert("RGB").getpixel((8, 8)) == (255, 0, 0)  # the first frame, red


def test_exif_orientation_is_applied_once_to_pixels_and_size(manager_api, project):
    response = post_files(manager_api, project, [("rotated.jpg", two_colour_jpeg(orientation=6))])
    item = Item.objects.get(pk=line_for(response, "rotated.jpg")["item"])
    assert (item.width, item.height) == (20, 40)  # 40x20 on disk, shown rotated 90 degrees clockwise
    with item.file.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (20, 40)
        assert image.getexif().get(0x0112) in (None, 1)  # no second rotation by viewers
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60
    assert item.meta["exif_orientation_applied"] == 6


def test_same_exif_rotated_upload_twice_is_a_duplicate(manager_api, project):
    first = post_files(manager_api, project, [("rotated.jpg", two_colour_jpeg(orientation=6))])
    second = post_files(manager_api, project, [("again.jpg", two_colour_jpeg(orientation=6))])
    line = line_for(second, "again.jpg")
    assert line["status"] == "duplicate"
    assert line["item"] == line_for(first, "rotated.jpg")["item"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("drawing.svg", SVG), ("photo.jpg", HTML), ("run.sh", SHELL_SCRIPT), ("noise.png", random_bytes())],
    ids=["svg", "html-disguised-as-jpg", "script", "random-bytes"],
)
def test_non_image_content_is_unsupported_whatever_its_name(manager_api, project, name, content):
    response = post_files(manager_api, project, [(name, content), ("good.png", image_bytes())])
    line = line_for(response, name)
    assert line["status"] == "rejected" and line["code"] == "unsupported_type"
    assert line["reason"].startswith("unsupported file type (415)")
    assert line_for(response, "good.png")["status"] == "accepted"
    assert not Item.objects.filter(original_name=name).exists()
    assert_storage_matches_items(project)


def test_request_whose_only_file_is_unsupported_answers_415_with_the_report(manager_api, project):
    response = post_files(manager_api, project, [("photo.jpg", HTML)])
    assert response.status_code == 415
    assert response.data["report"][0]["code"] == "unsupported_type"
    assert "photo.jpg" in response.data["detail"]
    assert not Item.objects.filter(project=project).exists()


def test_truncated_jpeg_is_rejected_and_not_stored(manager_api, project):
    response = post_files(manager_api, project, [("cut.jpg", truncated_jpeg()), ("good.png", image_bytes())])
    line = line_for(response, "cut.jpg")
    assert line["status"] == "rejected" and line["code"] == "corrupt"
    assert "truncated" in line["reason"]
    assert response.status_code == 201
    assert list(Item.objects.filter(project=project).values_list("original_name", flat=True)) == ["good.png"]
    assert_storage_matches_items(project)


def test_png_with_a_bad_checksum_is_rejected_and_the_good_file_kept(manager_api, project):
    response = post_files(manager_api, project, [("crc.png", png_with_bad_crc()), ("good.png", image_bytes())])
    line = line_for(response, "crc.png")
    assert line["status"] == "rejected" and line["code"] == "corrupt"
    assert "checksum" in line["reason"]
    assert response.status_code == 201
    assert list(Item.objects.filter(project=project).values_list("original_name", flat=True)) == ["good.png"]
    assert_storage_matches_items(project)


def test_png_with_undecodable_pixel_data_is_rejected_and_the_good_file_kept(manager_api, project):
    response = post_files(manager_api, project, [("idat.png", png_with_garbage_idat()), ("good.png", image_bytes())])
    line = line_for(response, "idat.png")
    assert line["status"] == "rejected" and line["code"] == "corrupt"
    assert list(Item.objects.filter(project=project).values_list("original_name", flat=True)) == ["good.png"]
    assert_storage_matches_items(project)


def test_request_with_only_corrupt_images_answers_400(manager_api, project):
    response = post_files(manager_api, project, [("crc.png", png_with_bad_crc()), ("cut.jpg", truncated_jpeg())])
    assert response.status_code == 400
    assert response.data["rejected"] == 2 and not Item.objects.filter(project=project).exists()


def test_decompression_bomb_is_refused_from_its_header_without_decoding(manager_api, project, monkeypatch):
    decoded = []
    original_load = ImageFile.ImageFile.load

    def spying_load(image):
        decoded.append(image.size)
        return original_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    response = post_files(manager_api, project, [("bomb.png", png_bomb()), ("good.png", image_bytes())])
    line = line_for(response, "bomb.png")
    assert line["status"] == "rejected" and line["code"] == "too_many_pixels"
    assert (100_000, 100_000) not in decoded
    assert line_for(response, "good.png")["status"] == "accepted"
    assert_storage_matches_items(project)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_the_pixel_setting_is_refused_naming_its_size_and_the_limit(manager_api, project, settings):
    settings.MAX_IMAGE_PIXELS = 1000  # Pillow's own guard (twice this) stays quiet: our check must catch it
    response = post_files(manager_api, project, [("big.png", image_bytes("PNG", (40, 40)))])
    line = line_for(response, "big.png")
    assert line["code"] == "too_many_pixels"
    assert "40x40 = 1,600 pixels" in line["reason"] and "limit is 1,000 pixels" in line["reason"]
    assert not Item.objects.filter(project=project).exists()


def test_file_over_the_per_file_limit_is_rejected_with_413_reason(manager_api, project, settings):
    settings.MAX_UPLOAD_FILE_BYTES = 100
    response = post_files(manager_api, project, [("big.jpg", jpeg_bytes(1, size=(64, 64)))])
    assert response.status_code == 413
    line = line_for(response, "big.jpg")
    assert line["code"] == "too_large" and "(413)" in line["reason"]
    assert_storage_matches_items(project)


def test_filename_with_markup_is_stored_verbatim_as_data(manager_api, project):
    # No "/" in it: multipart file names lose everything up to the last slash before any code sees them.
    name = '<script>alert(1)<script><img src=x onerror="alert(2)">.png'
    response = post_files(manager_api, project, [(name, image_bytes())])
    item = Item.objects.get(pk=line_for(response, name)["item"])
    assert item.original_name == name
    assert "<script>" not in item.file.name and item.file.name.endswith(f"{item.sha256}.png")


def test_control_characters_are_removed_from_names(manager_api, project):
    response = post_files(manager_api, project, [("cat\u202egpj.exe", image_bytes())])
    item = Item.objects.get(pk=response.data["report"][0]["item"])
    assert item.original_name == "catgpj.exe"


def test_same_file_twice_in_one_upload_is_one_item_and_one_duplicate(manager_api, project):
    data = jpeg_bytes(5)
    response = post_files(manager_api, project, [("a.jpg", data), ("b.jpg", data)])
    first, second = line_for(response, "a.jpg"), line_for(response, "b.jpg")
    assert first["status"] == "accepted"
    assert second["status"] == "duplicate" and second["item"] == first["item"]
    assert "earlier in this upload" in second["reason"]
    assert Item.objects.filter(project=project).count() == 1
    assert_storage_matches_items(project)


def test_file_already_in_the_project_is_a_duplicate_naming_the_existing_item(manager_api, project):
    first = post_files(manager_api, project, [("a.jpg", jpeg_bytes(6))])
    second = post_files(manager_api, project, [("renamed.jpg", jpeg_bytes(6))])
    line = line_for(second, "renamed.jpg")
    existing = line_for(first, "a.jpg")["item"]
    assert line["status"] == "duplicate" and line["item"] == existing
    assert str(existing) in line["reason"] and "already in the project" in line["reason"]
    assert Item.objects.filter(project=project).count() == 1
    assert_storage_matches_items(project)


def test_reupload_of_only_duplicates_answers_200(manager_api, project):
    post_files(manager_api, project, [("a.jpg", jpeg_bytes(7))])
    response = post_files(manager_api, project, [("a.jpg", jpeg_bytes(7))])
    assert response.status_code == 200
    assert response.data["duplicates"] == 1 and response.data["accepted"] == 0


def test_images_are_refused_by_a_text_only_project(manager_api, manager):
    from tests.factories import make_project

    text_project = make_project(manager=manager, kinds=("text_class",), name="Reviews")
    response = post_files(manager_api, text_project, [("a.png", image_bytes())])
    assert response.status_code == 400
    assert response.data["report"][0]["code"] == "wrong_kind"
    assert not default_storage.exists(f"projects/{text_project.pk}/items")
