"""Saving in a real browser: conflicts are shown, offline work is kept and retried, a crashed tab's work is
restored, and active time excludes idle time."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from labeling.models import WorkSession
from projects.models import Role
from tests.e2e.editor_support import find_markers, make_marked_item, open_editor, own_annotation, save_now
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.e2e

IDLE_THRESHOLD_S = 10


@pytest.fixture
def annotator(transactional_db):
    return UserFactory(username="ann")


@pytest.fixture
def project(annotator):
    project = make_project(name="Boxes", kinds=("bbox",), idle_threshold_s=IDLE_THRESHOLD_S)
    add_member(project, Role.ANNOTATOR, user=annotator)
    return project


@pytest.fixture
def item(project):
    return make_marked_item(project)


@pytest.fixture
def editor(logged_in_page, annotator, project, item):
    page = logged_in_page(annotator)
    open_editor(page, f"/projects/{project.pk}/label/")
    page.select_option("#zoom-level", "4")
    return page


def draw_box(page, screen, start, end):
    page.mouse.move(*screen.to_page(*start))
    page.mouse.down()
    page.mouse.move(*screen.to_page(*end), steps=4)
    page.mouse.up()


def manager_client(project) -> APIClient:
    client = APIClient()
    client.force_authenticate(project.memberships.get(role=Role.MANAGER).user)
    return client


def someone_else_saves(project, annotation) -> dict:
    """A manager replaces the annotation's regions behind the annotator's back."""
    box = {
        "key": "theirs",
        "kind": "bbox",
        "label_class": project.classes.first().pk,
        "x": 1,
        "y": 2,
        "width": 3,
        "height": 4,
    }
    response = manager_client(project).put(
        f"/api/v1/projects/{project.pk}/annotations/{annotation['id']}/",
        {"regions": [box]},
        format="json",
        HTTP_IF_MATCH=f'"{annotation["version"]}"',
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_version_conflict_is_shown_and_their_version_can_be_loaded(editor, project, item):
    screen = find_markers(editor)
    draw_box(editor, screen, (10, 10), (30, 30))
    save_now(editor)
    theirs = someone_else_saves(project, own_annotation(editor, project.pk, item.pk))
    draw_box(editor, screen, (40, 40), (60, 60))
    editor.keyboard.press("Control+s")
    dialog = editor.get_by_role("dialog", name="Someone else saved this annotation")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"version {theirs['version']}")
    expect(editor.locator("#save-status")).to_have_text("Conflict: not saved")
    # Nothing was overwritten.
    assert own_annotation(editor, project.pk, item.pk)["regions"][0]["key"] == "theirs"
    dialog.get_by_role("button", name="Load their version").click()
    expect(editor.locator(".region-row")).to_have_count(1)
    expect(editor.locator(".row-area")).to_have_text("12 px")


def test_keeping_my_version_after_a_conflict_replaces_theirs_only_when_asked(editor, project, item):
    screen = find_markers(editor)
    draw_box(editor, screen, (10, 10), (30, 30))
    save_now(editor)
    someone_else_saves(project, own_annotation(editor, project.pk, item.pk))
    draw_box(editor, screen, (40, 40), (60, 60))
    editor.keyboard.press("Control+s")
    dialog = editor.get_by_role("dialog", name="Someone else saved this annotation")
    dialog.get_by_role("button", name="Decide later").click()
    expect(editor.get_by_role("alert")).to_contain_text("someone else saved")
    editor.get_by_role("button", name="Resolve…").click()
    dialog.get_by_role("button", name="Keep mine").click()
    expect(editor.locator("#save-status")).to_have_text("All changes saved")
    regions = own_annotation(editor, project.pk, item.pk)["regions"]
    assert sorted(round(r["x"]) for r in regions) == [10, 40]


def test_offline_work_stays_in_the_page_with_a_banner_and_is_saved_on_retry(editor, project, item):
    screen = find_markers(editor)
    editor.context.set_offline(True)
    draw_box(editor, screen, (10, 10), (30, 30))
    editor.keyboard.press("Control+s")
    banner = editor.get_by_role("alert")
    expect(banner).to_contain_text("the server cannot be reached")
    expect(editor.locator("#save-status")).to_have_text("Offline: not saved")
    expect(editor.locator(".region-row")).to_have_count(1)
    # Back online, the page saves by itself (the browser's online event) and the banner goes.
    editor.context.set_offline(False)
    expect(editor.locator("#save-status")).to_have_text("All changes saved")
    expect(banner).to_have_count(0)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert round(box["x"]) == 10


def test_a_server_error_shows_a_banner_and_keeps_the_work(editor, project, item):
    screen = find_markers(editor)
    editor.route("**/annotations/**", lambda route: route.fulfill(status=500, body="boom"))
    draw_box(editor, screen, (10, 10), (30, 30))
    editor.keyboard.press("Control+s")
    expect(editor.get_by_role("alert")).to_contain_text("the server failed (500)")
    editor.unroute("**/annotations/**")
    editor.get_by_role("button", name="Retry now").click()
    expect(editor.locator("#save-status")).to_have_text("All changes saved")
    assert len(own_annotation(editor, project.pk, item.pk)["regions"]) == 1


def test_work_that_never_reached_the_server_is_restored_from_the_browser_after_a_reload(editor, project, item):
    screen = find_markers(editor)
    editor.route("**/annotations/**", lambda route: route.abort())
    draw_box(editor, screen, (10, 10), (30, 30))
    expect(editor.locator("#save-status")).to_have_text("Offline: not saved")
    editor.unroute("**/annotations/**")
    # The tab goes away (a crash would not even ask) and the annotator opens the item again.
    editor.evaluate("window.onbeforeunload = null")
    editor.reload()
    expect(editor.locator("#editor")).to_have_attribute("data-ready", "true")
    expect(editor.get_by_role("status").filter(has_text="Restored your unsaved changes")).to_be_visible()
    expect(editor.locator(".region-row")).to_have_count(1)
    save_now(editor)
    (box,) = own_annotation(editor, project.pk, item.pk)["regions"]
    assert round(box["x"]) == 10


def test_idle_time_beyond_the_threshold_is_not_counted_as_active(logged_in_page, annotator, project, item):
    page = logged_in_page(annotator)
    page.clock.install()
    open_editor(page, f"/projects/{project.pk}/label/")
    page.select_option("#zoom-level", "4")
    screen = find_markers(page)
    # From here on time moves only when the test says so.
    page.clock.pause_at(datetime.datetime.now() + datetime.timedelta(minutes=1))
    draw_box(page, screen, (5, 5), (8, 8))
    save_now(page)
    before = WorkSession.objects.get(item=item).active_ms
    page.clock.run_for(3000)
    page.mouse.move(*screen.to_page(9, 9))  # 3 s of work
    page.clock.fast_forward(5 * 60 * 1000)  # five minutes away from the keyboard
    draw_box(page, screen, (10, 10), (30, 30))  # counts up to the 10 s threshold, not five minutes
    save_now(page)
    session = WorkSession.objects.get(item=item)
    assert session.active_ms - before == 3000 + IDLE_THRESHOLD_S * 1000
    assert [(e["type"], e["tool"]) for e in session.events] == [("created", "bbox"), ("created", "bbox")]
    page.clock.run_for(1000)  # the second right after the last input counts; the clock shows it
    shown_s = (session.active_ms + 1000) // 1000
    expect(page.locator("#active-time")).to_have_text(f"{shown_s // 60}:{shown_s % 60:02d}")


def test_a_hidden_tab_stops_the_active_clock(logged_in_page, annotator, project, item):
    page = logged_in_page(annotator)
    page.clock.install()
    open_editor(page, f"/projects/{project.pk}/label/")
    page.clock.pause_at(datetime.datetime.now() + datetime.timedelta(minutes=1))
    page.mouse.move(300, 400)
    page.clock.run_for(2000)
    page.mouse.move(310, 400)
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.clock.run_for(8000)  # within the idle threshold, but the tab is hidden
    expect(page.locator("#active-time")).to_have_text("0:02")
