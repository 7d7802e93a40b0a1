"""The image editor in a real browser: drawing boxes, polygons and masks lands in the API pixel-accurately."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from labeling import rle
from projects.models import Role
from tests.e2e.editor_support import find_markers, make_marked_item, open_editor, own_annotation, save_now
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.e2e


@pytest.fixture
def annotator(transactional_db):
    return UserFactory(username="ann")


@pytest.fixture
def project(annotator):
    project = make_project(name="Shapes", kinds=("bbox", "polygon", "mask", "image_class"))
    add_member(project, Role.ANNOTATOR, user=annotator)
    return project


@pytest.fixture
def item(project):
    return make_marked_item(project)


@pytest.fixture
def editor(logged_in_page, annotator, project, item):
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    return page


def drag(page, start, end, steps=8):
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


@pytest.mark.parametrize("zoom", ["2", "4", "fit"])
def test_a_box_drawn_at_a_known_zoom_is_stored_within_one_pixel(editor, project, item, zoom):
    editor.select_option("#zoom-level", zoom)
    screen = find_markers(editor)
    if zoom != "fit":
        assert screen.scale == pytest.approx(float(zoom), abs=0.05)
    # Drag from the red marker's top-left corner to the blue one's: image (20, 15) to (70, 45).
    drag(editor, screen.to_page(20, 15), screen.to_page(70, 45))
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert box["kind"] == "bbox"
    assert box["x"] == pytest.approx(20, abs=1)
    assert box["y"] == pytest.approx(15, abs=1)
    assert box["width"] == pytest.approx(50, abs=1)
    assert box["height"] == pytest.approx(30, abs=1)


def test_a_polygon_clicked_point_by_point_and_closed_with_enter_is_stored(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    editor.keyboard.press("p")
    corners = [(10, 10), (60, 12), (55, 50), (12, 44)]
    for corner in corners:
        editor.mouse.click(*screen.to_page(*corner))
    editor.keyboard.press("Enter")
    save_now(editor)
    (polygon,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert polygon["kind"] == "polygon"
    assert len(polygon["points"]) == 4
    for (x, y), (expected_x, expected_y) in zip(polygon["points"], corners, strict=True):
        assert x == pytest.approx(expected_x, abs=0.5)
        assert y == pytest.approx(expected_y, abs=0.5)


def test_a_polygon_closes_by_clicking_its_first_point(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    editor.keyboard.press("p")
    for corner in [(10, 10), (60, 10), (35, 50), (10, 10)]:
        editor.mouse.click(*screen.to_page(*corner))
    save_now(editor)
    (polygon,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert len(polygon["points"]) == 3


def test_a_painted_brush_stroke_is_saved_as_a_lossless_mask(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    editor.keyboard.press("m")
    editor.locator("#brush-size").fill("10")
    drag(editor, screen.to_page(20.5, 40.5), screen.to_page(80.5, 40.5), steps=20)
    save_now(editor)
    (mask,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert mask["kind"] == "mask"
    height, width = mask["rle"]["size"]
    assert (height, width) == (80, 100)
    pixels = rle.decode(rle.from_string(mask["rle"]["counts"]), height, width)
    # Pixels whose centre is within 5 px of the stroke: rows 36..45, columns from 16 to 85.
    assert pixels[40, 20:81].all()
    assert pixels[36:46, 50].all()
    assert not pixels[30, 50] and not pixels[50, 50]
    assert not pixels[40, 10] and not pixels[40, 90]
    expected_area = 60 * 10 + 3.14159 * 25
    assert mask["area"] == pytest.approx(expected_area, rel=0.06)
    assert mask["bbox"] == pytest.approx([16, 36, 70, 10], abs=1)


def test_erasing_part_of_a_mask_is_saved(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    editor.keyboard.press("m")
    editor.locator("#brush-size").fill("10")
    drag(editor, screen.to_page(20.5, 40.5), screen.to_page(80.5, 40.5), steps=20)
    editor.keyboard.press("e")
    drag(editor, screen.to_page(50.5, 30), screen.to_page(50.5, 52), steps=10)
    save_now(editor)
    (mask,) = own_annotation(editor, project.pk, item.pk)["regions"]
    pixels = rle.decode(rle.from_string(mask["rle"]["counts"]), 80, 100)
    assert not pixels[40, 48:53].any()
    assert pixels[40, 30] and pixels[40, 70]


def test_undo_and_redo_step_through_every_edit(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(5, 5), screen.to_page(30, 30))
    drag(editor, screen.to_page(40, 40), screen.to_page(90, 70))
    regions = editor.locator(".region-row")
    expect(regions).to_have_count(2)
    editor.keyboard.press("Control+z")
    expect(regions).to_have_count(1)
    save_now(editor)
    assert len(own_annotation(editor, project.pk, item.pk)["regions"]) == 1
    editor.keyboard.press("Control+Shift+z")
    expect(regions).to_have_count(2)
    editor.keyboard.press("Delete")  # the redone box is selected
    expect(regions).to_have_count(1)
    editor.keyboard.press("Control+z")
    expect(regions).to_have_count(2)
    save_now(editor)
    boxes = sorted(own_annotation(editor, project.pk, item.pk)["regions"], key=lambda r: r["x"])
    assert [round(b["x"]) for b in boxes] == [5, 40]


def test_a_selected_box_moves_with_the_arrow_keys_and_changes_class_with_a_hotkey(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(10, 10), screen.to_page(30, 30))
    editor.keyboard.press("ArrowRight")
    editor.keyboard.press("Shift+ArrowDown")
    editor.keyboard.press("2")  # the second class, "dog"
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert box["x"] == pytest.approx(11, abs=1)
    assert box["y"] == pytest.approx(20, abs=1)
    assert box["label_class"] == project.classes.get(name="dog").pk


def test_a_box_is_resized_by_dragging_its_corner_handle(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(10, 10), screen.to_page(30, 30))
    # The new box is selected; its bottom-right handle sits on (30, 30).
    drag(editor, screen.to_page(30, 30), screen.to_page(50, 40))
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert (box["x"], box["y"]) == (pytest.approx(10, abs=1), pytest.approx(10, abs=1))
    assert (box["width"], box["height"]) == (pytest.approx(40, abs=1), pytest.approx(30, abs=1))


def test_polygon_vertices_are_moved_inserted_and_deleted(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    editor.keyboard.press("p")
    for corner in [(10, 10), (60, 10), (60, 50), (10, 50)]:
        editor.mouse.click(*screen.to_page(*corner))
    editor.keyboard.press("Enter")
    drag(editor, screen.to_page(60, 50), screen.to_page(70, 60))  # move a vertex
    drag(editor, screen.to_page(35, 10), screen.to_page(35, 2))  # the top edge's midpoint becomes a vertex
    editor.keyboard.down("Alt")
    editor.mouse.click(*screen.to_page(10, 50))  # Alt+click deletes a vertex
    editor.keyboard.up("Alt")
    save_now(editor)
    (polygon,) = own_annotation(editor, project.pk, item.pk)["regions"]
    points = [[round(x), round(y)] for x, y in polygon["points"]]
    assert points == [[10, 10], [35, 2], [60, 10], [70, 60]]


def test_the_browser_and_the_server_encode_masks_identically(editor):
    rng = np.random.default_rng(3)
    for height, width in [(7, 5), (24, 32), (1, 9)]:
        mask = rng.random((height, width)) < 0.4
        counts = rle.encode(mask)
        browser = editor.evaluate(
            """async ([rows, width, height]) => {
                const rle = await import('/static/frontend/editor/rle.js');
                const data = Uint8Array.from(rows.flat());
                const counts = rle.encode(data, width, height);
                const text = rle.toString(counts);
                const back = rle.decode(rle.fromString(text), width, height);
                return {counts, text, same: back.every((value, index) => value === data[index])};
            }""",
            [mask.astype(int).tolist(), width, height],
        )
        assert browser["counts"] == counts
        assert browser["text"] == rle.to_string(counts)
        assert browser["same"]


def test_coordinates_stay_exact_after_wheel_zoom_and_panning(editor, project, item):
    stage = editor.locator(".stage").bounding_box()
    editor.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    editor.mouse.wheel(0, -240)  # zoom in around the pointer, to no preset level
    editor.keyboard.down(" ")
    drag(editor, (stage["x"] + 300, stage["y"] + 300), (stage["x"] + 240, stage["y"] + 260))  # pan
    editor.keyboard.up(" ")
    editor.mouse.down(button="middle")
    editor.mouse.move(stage["x"] + 320, stage["y"] + 310, steps=3)
    editor.mouse.up(button="middle")
    screen = find_markers(editor)
    drag(editor, screen.to_page(20, 15), screen.to_page(70, 45))
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert [box["x"], box["y"], box["width"], box["height"]] == pytest.approx([20, 15, 50, 30], abs=1)


def test_a_marquee_selects_several_boxes_to_delete_together(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(5, 5), screen.to_page(20, 20))
    drag(editor, screen.to_page(30, 5), screen.to_page(45, 20))
    drag(editor, screen.to_page(60, 50), screen.to_page(90, 70))
    editor.keyboard.press("v")
    drag(editor, screen.to_page(2, 2), screen.to_page(50, 25))
    expect(editor.locator(".region-row.is-selected")).to_have_count(2)
    editor.keyboard.press("Delete")
    save_now(editor)
    (left,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert round(left["x"]) == 60


def test_a_locked_box_does_not_move_and_a_hidden_box_is_not_drawn(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(10, 10), screen.to_page(30, 30))
    editor.keyboard.press("l")
    editor.keyboard.press("ArrowRight")
    expect(editor.locator(".region-row")).to_contain_text("locked")
    editor.keyboard.press("h")
    expect(editor.locator(".region-row")).to_contain_text("hidden")
    # Clicking where the hidden box is selects nothing.
    editor.keyboard.press("v")
    editor.mouse.click(*screen.to_page(20, 20))
    expect(editor.locator(".region-row.is-selected")).to_have_count(0)
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert round(box["x"]) == 10


def test_a_comment_on_a_region_is_saved_with_it(editor, project, item):
    editor.select_option("#zoom-level", "4")
    screen = find_markers(editor)
    drag(editor, screen.to_page(10, 10), screen.to_page(30, 30))
    editor.get_by_label("Comment").fill("partly hidden by a <chair>")
    editor.keyboard.press("Control+s")  # leaving the field commits the comment, then it saves
    expect(editor.locator(".row-comment")).to_have_text("partly hidden by a <chair>")
    expect(editor.locator("#save-status")).to_have_text("All changes saved")
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert box["comment"] == "partly hidden by a <chair>"
