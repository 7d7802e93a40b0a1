"""The text editor in a real browser: exact display, spans by keyboard and mouse, code point offsets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from projects.models import Role
from tests.e2e.editor_support import open_editor, own_annotation, save_now
from tests.factories import UserFactory, add_member, make_project, make_text_item

pytestmark = pytest.mark.e2e

# An emoji (one code point, two UTF-16 units), "é" as e + U+0301 (two code points, one grapheme),
# right-to-left Hebrew, a tab, repeated spaces and markup that must stay text.
TEXT = "Hi 😀 there, cafe\u0301 time.\n\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd\n\tgap   <b>bold</b> 👍🏽 end"


@pytest.fixture
def annotator(transactional_db):
    return UserFactory(username="ann")


@pytest.fixture
def project(annotator):
    project = make_project(
        name="Texts",
        kinds=("text_span", "text_class"),
        classes=(("person", "#d62728", "p"), ("place", "#1f77b4", "l"), ("positive", "#2ca02c", "")),
        allow_overlapping_spans=True,
    )
    add_member(project, Role.ANNOTATOR, user=annotator)
    return project


@pytest.fixture
def item(project):
    return make_text_item(project, TEXT, name="note.txt")


@pytest.fixture
def editor(logged_in_page, annotator, project, item):
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    return page


def code_points(text: str, start: int, end: int) -> str:
    return "".join(list(text)[start:end])


def move_caret(page, steps: int) -> None:
    page.keyboard.press("Control+Home")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def test_the_text_is_shown_exactly_as_stored(editor):
    view = editor.locator(".text-view")
    assert view.evaluate("element => element.textContent") == TEXT
    assert view.locator("b").count() == 0


def test_a_span_with_an_emoji_selected_by_keyboard_gets_code_point_offsets(editor, project, item):
    editor.locator(".text-view").focus()
    move_caret(editor, 3)  # "Hi |😀"
    for _ in range(7):  # 😀, space, t, h, e, r, e
        editor.keyboard.press("Shift+ArrowRight")
    editor.keyboard.press("p")
    save_now(editor)
    (span,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert (span["start"], span["end"]) == (3, 10)
    assert code_points(TEXT, span["start"], span["end"]) == "😀 there"
    assert span["label_class"] == project.classes.get(name="person").pk


def test_a_combining_mark_stays_with_its_letter_in_a_span(editor, project, item):
    editor.locator(".text-view").focus()
    move_caret(editor, 12)  # "Hi 😀 there, |cafe\u0301"
    for _ in range(4):  # four graphemes: c, a, f, e + U+0301
        editor.keyboard.press("Shift+ArrowRight")
    editor.keyboard.press("l")
    save_now(editor)
    (span,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert (span["start"], span["end"]) == (12, 17)
    assert code_points(TEXT, 12, 17) == "cafe\u0301"


def test_a_span_selected_with_the_mouse_matches_the_selection(editor, project, item):
    # Drag across "there" on the first line, from just before "t" to just after "e".
    boxes = editor.evaluate(
        """() => {
            const node = [...document.querySelectorAll('.text-view .seg')][0].firstChild;
            const rect = (from, to) => {
                const range = document.createRange();
                range.setStart(node, from);
                range.setEnd(node, to);
                const r = range.getBoundingClientRect();
                return {x: r.x, y: r.y, width: r.width, height: r.height};
            };
            const text = node.data;
            const start = text.indexOf('there');
            return {first: rect(start, start + 1), last: rect(start + 4, start + 5)};
        }"""
    )
    first, last = boxes["first"], boxes["last"]
    middle_y = first["y"] + first["height"] / 2
    editor.mouse.move(first["x"] + 1, middle_y)
    editor.mouse.down()
    editor.mouse.move(last["x"] + last["width"] - 1, middle_y, steps=5)
    editor.mouse.up()
    editor.keyboard.press("l")
    save_now(editor)
    (span,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert code_points(TEXT, span["start"], span["end"]) == "there"


def test_overlapping_spans_are_both_kept_and_shown(editor, project, item):
    editor.locator(".text-view").focus()
    move_caret(editor, 5)
    for _ in range(5):
        editor.keyboard.press("Shift+ArrowRight")  # "there"
    editor.keyboard.press("p")
    move_caret(editor, 7)
    for _ in range(7):
        editor.keyboard.press("Shift+ArrowRight")  # "ere, ca"
    editor.keyboard.press("l")
    expect(editor.locator(".region-row")).to_have_count(2)
    # The shared letters "ere" carry both spans.
    shared = editor.locator(".seg.is-labelled", has_text="ere").first
    assert len(shared.get_attribute("data-keys").split()) == 2
    save_now(editor)
    spans = sorted((r["start"], r["end"]) for r in own_annotation(editor, project.pk, item.pk)["regions"])
    assert spans == [(5, 10), (7, 14)]


def test_a_text_class_is_toggled_with_its_digit(editor, project, item):
    editor.locator(".text-view").focus()
    editor.keyboard.press("3")  # "positive": no text selected, so it classifies the whole text
    save_now(editor)
    (region,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert region["kind"] == "text_class"
    assert region["label_class"] == project.classes.get(name="positive").pk
    text_classes = editor.get_by_role("group", name="Text classes")
    expect(text_classes.get_by_role("button", name="positive")).to_have_attribute("aria-pressed", "true")


def test_a_selected_span_is_deleted_and_the_deletion_undone(editor, project, item):
    editor.locator(".text-view").focus()
    move_caret(editor, 0)
    for _ in range(2):
        editor.keyboard.press("Shift+ArrowRight")
    editor.keyboard.press("p")
    expect(editor.locator(".region-row")).to_have_count(1)
    editor.keyboard.press("Delete")
    expect(editor.locator(".region-row")).to_have_count(0)
    editor.keyboard.press("Control+z")
    expect(editor.locator(".region-row")).to_have_count(1)
    save_now(editor)
    (span,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert (span["start"], span["end"]) == (0, 2)
