"""The foundation pages in a real browser: log in, create a project, upload, browse, keyboard use."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from projects.models import Project, Split, VersionItem
from tests.factories import UserFactory, make_image_item, make_project, make_text_item, png_bytes

pytestmark = pytest.mark.e2e

MARKUP_NAME = "<img src=x onerror=alert(1)>.png"


@pytest.fixture
def user(transactional_db):
    return UserFactory(username="alice")


@pytest.fixture
def pets(user):
    return make_project(manager=user, name="Pets")


def png_file(name: str, color=(200, 30, 30)) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes(40, 30, color)}


SVG = {
    "name": "drawing.svg",
    "mimeType": "image/svg+xml",
    "buffer": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
}


def drop_files(page, files: list[dict]) -> None:
    """Drop files on the drop zone the way a browser does: a DataTransfer on a drop event."""
    payload = [
        {"name": f["name"], "type": f["mimeType"], "data": base64.b64encode(f["buffer"]).decode()} for f in files
    ]
    page.evaluate(
        """(files) => {
            const transfer = new DataTransfer();
            for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, { type: file.type }));
            }
            const zone = document.querySelector("#dropzone");
            zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        payload,
    )


def test_log_in_through_the_form_shows_my_projects(logged_in_page, user, pets):
    page = logged_in_page(user)
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Pets")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")


def test_log_out_from_the_user_menu(logged_in_page, user):
    page = logged_in_page(user)
    page.get_by_text("alice", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_create_project_through_the_form(logged_in_page, user):
    page = logged_in_page(user)
    form = page.locator("#create-project-form")
    form.get_by_label("Name", exact=True).fill("Street scenes")
    form.get_by_label("Bounding box").check()
    form.get_by_label("Image class").check()
    form.get_by_role("group", name="Image classes per item").get_by_label("Several").check()
    form.get_by_label("Name of class 1").fill("car")
    form.get_by_label("Hotkey of class 1").fill("c")
    form.get_by_role("button", name="Add class").click()
    form.get_by_label("Name of class 2").fill("bike")
    form.get_by_role("button", name="Create project").click()

    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(name="Street scenes")
    assert page.url.endswith(f"/projects/{project.pk}/")
    assert project.kinds == ["bbox", "image_class"]
    assert project.image_class_multi is True
    assert [(c.name, c.hotkey) for c in project.classes.all()] == [("car", "c"), ("bike", "")]
    expect(page.get_by_role("heading", name="Street scenes", level=1)).to_be_visible()


def test_create_project_shows_field_errors_next_to_fields(logged_in_page, user):
    page = logged_in_page(user)
    form = page.locator("#create-project-form")
    form.get_by_label("Name", exact=True).fill("Clash")
    form.get_by_label("Text class").check()
    form.get_by_label("Name of class 1").fill("spam")
    form.get_by_label("Hotkey of class 1").fill("s")
    form.get_by_role("button", name="Add class").click()
    form.get_by_label("Name of class 2").fill("ham")
    form.get_by_label("Hotkey of class 2").fill("ss")  # maxlength keeps one character: a duplicate hotkey
    form.get_by_role("button", name="Create project").click()

    expect(form.locator('[data-error-for="classes"]')).to_contain_text("hotkeys must be unique")
    assert not Project.objects.filter(name="Clash").exists()

    form.get_by_label("Name", exact=True).fill("")
    form.get_by_label("Hotkey of class 2").fill("h")
    form.get_by_role("button", name="Create project").click()
    expect(form.locator('[data-error-for="name"]')).not_to_be_empty()
    expect(form.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")


def test_upload_by_picker_and_drop_reports_each_file(logged_in_page, user, pets):
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/upload/")
    page.set_input_files("#file-input", [png_file("red.png"), SVG])
    drop_files(page, [png_file("blue.png", (20, 40, 220))])

    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#report-table .badge-accepted")).to_have_count(2)
    rejected = page.locator("#report-table tr.report-rejected")
    expect(rejected).to_have_count(1)
    expect(rejected.locator(".report-name")).to_have_text("drawing.svg")
    expect(rejected.locator(".report-reason")).not_to_be_empty()
    expect(page.locator("#file-list .file-row")).to_have_count(3)
    expect(page.locator("#file-list progress")).to_have_count(3)

    page.get_by_role("link", name="View items").click()
    expect(page.locator("#gallery-grid .item-card")).to_have_count(2)
    # The page uploads files in parallel, so the gallery's order (by item id) is not the picking order.
    names = page.locator("#gallery-grid .item-name")
    expect(names).to_have_count(2)
    assert sorted(names.all_text_contents()) == ["blue.png", "red.png"]


def test_uploaded_file_name_with_markup_is_shown_as_text(logged_in_page, user, pets):
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/upload/")
    page.set_input_files("#file-input", [png_file(MARKUP_NAME)])
    expect(page.locator("#report-table .report-name")).to_have_text(MARKUP_NAME)
    assert page.locator('img[src="x"]').count() == 0


def test_gallery_shows_markup_in_names_as_text(logged_in_page, user, pets):
    make_image_item(pets, name=MARKUP_NAME)
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/")
    expect(page.get_by_text(MARKUP_NAME)).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0
    page.get_by_text(MARKUP_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MARKUP_NAME)
    assert page.locator('img[src="x"]').count() == 0


def test_gallery_shows_thumbnail_placeholders_and_text_cards(logged_in_page, user, pets):
    make_image_item(pets, name="no-thumbnail-yet.png")
    make_text_item(pets, "The quick brown fox", name="fox.txt")
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/")
    image_card = page.locator(".item-card", has_text="no-thumbnail-yet.png")
    expect(image_card.locator(".item-thumb.is-placeholder")).to_be_visible()
    text_card = page.locator(".item-card", has_text="fox.txt")
    expect(text_card.locator(".text-snippet")).to_have_text("The quick brown fox")


def test_gallery_filters_by_split_and_name(logged_in_page, user, pets):
    make_image_item(pets, name="train-cat.png", split=Split.TRAIN, color=(1, 2, 3))
    make_image_item(pets, name="test-dog.png", split=Split.TEST, color=(4, 5, 6))
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/")
    expect(page.locator(".item-card")).to_have_count(2)
    page.get_by_label("Split", exact=True).select_option("train")
    expect(page.locator(".item-name")).to_have_text(["train-cat.png"])
    assert "split=train" in page.url
    page.get_by_label("Split", exact=True).select_option("")
    page.get_by_label("Name", exact=True).fill("dog")
    expect(page.locator(".item-name")).to_have_text(["test-dog.png"])


def test_gallery_pages_through_items(logged_in_page, user, pets):
    for index in range(30):
        make_image_item(pets, name=f"item-{index:02}.png", color=(index, 0, 0))
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/?page_size=24")
    expect(page.locator(".item-card")).to_have_count(24)
    expect(page.locator("#page-status")).to_have_text("Page 1 of 2")
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".item-card")).to_have_count(6)
    expect(page.locator(".item-name").first).to_have_text("item-24.png")


def test_manager_sets_the_split_of_selected_items(logged_in_page, user, pets):
    first = make_image_item(pets, name="first.png", color=(1, 1, 1))
    second = make_image_item(pets, name="second.png", color=(2, 2, 2))
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/")
    page.get_by_label("Select first.png").check()
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    page.locator("#bulk-split").select_option("val")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("#gallery-notice")).to_have_text("1 item set to Validation.")
    splits = dict(VersionItem.objects.filter(item__in=[first, second]).values_list("item_id", "split"))
    assert splits == {first.pk: Split.VAL, second.pk: Split.UNASSIGNED}


def test_manager_splits_items_at_random_from_the_dialog(logged_in_page, user, pets):
    for index in range(10):
        make_image_item(pets, name=f"{index}.png", color=(index, index, 0))
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/")
    page.get_by_role("button", name="Random split…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Train").fill("0.6")
    dialog.get_by_label("Validation").fill("0.2")
    dialog.get_by_label("Test").fill("0.2")
    dialog.get_by_role("button", name="Split").click()
    expect(page.locator("#gallery-notice")).to_have_text("Random split: 6 train, 2 validation, 2 test.")
    assert VersionItem.objects.filter(item__project=pets, split=Split.TRAIN).count() == 6


def test_item_page_keeps_text_whitespace_and_direction(logged_in_page, user, pets):
    item = make_text_item(pets, "שלום  עולם\n  indented line", name="hebrew.txt")
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/items/{item.pk}/")
    text = page.locator("pre.text-item")
    expect(text).to_have_attribute("dir", "auto")
    assert text.text_content() == "שלום  עולם\n  indented line"
    expect(page.locator("#item-meta")).to_contain_text("hebrew.txt")


def test_item_page_shows_the_image(logged_in_page, user, pets):
    item = make_image_item(pets, name="photo.png", width=64, height=48)
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/items/{item.pk}/")
    image = page.get_by_role("img", name="photo.png")
    expect(image).to_be_visible()
    assert page.evaluate("() => document.querySelector('.item-image').naturalWidth") == 64
    expect(page.locator("#item-meta")).to_contain_text("64 \u00d7 48 px")


def test_settings_rename_class_and_refuse_a_duplicate_name(logged_in_page, user, pets):
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/settings/")
    row = page.locator(f'#class-rows tr[data-id="{pets.classes.get(name="cat").pk}"]')
    row.get_by_label("Name of class cat").fill("kitten")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#live-region")).to_have_text("Class kitten saved.")
    expect(row.get_by_role("button", name="Save")).to_be_disabled()
    expect(page.get_by_label("Name of class kitten")).to_have_value("kitten")
    assert pets.classes.filter(name="kitten").exists()

    dog = page.get_by_label("Name of class dog")
    dog.fill("kitten")
    page.locator("#class-rows tr", has=dog).get_by_role("button", name="Save").click()
    expect(page.locator("#class-rows .row-message:not([hidden])")).to_contain_text("already exists")


def test_settings_add_member_and_show_errors(logged_in_page, user, pets):
    UserFactory(username="bob")
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/settings/")
    form = page.locator("#add-member-form")
    form.get_by_label("Username or e-mail").fill("nobody")
    form.get_by_role("button", name="Add member").click()
    expect(form.locator('[data-error-for="user"]')).to_contain_text("No user")

    form.get_by_label("Username or e-mail").fill("bob@example.com")
    form.get_by_label("Role").select_option("reviewer")
    form.get_by_role("button", name="Add member").click()
    expect(page.get_by_label("Role of bob")).to_have_value("reviewer")
    assert pets.memberships.get(user__username="bob").role == "reviewer"


def test_settings_refuse_to_demote_the_last_manager(logged_in_page, user, pets):
    page = logged_in_page(user)
    page.goto(f"/projects/{pets.pk}/settings/")
    page.get_by_label("Role of alice").select_option("viewer")
    expect(page.locator("#member-rows .row-message:not([hidden])")).to_contain_text("at least one manager")
    expect(page.get_by_label("Role of alice")).to_have_value("manager")


def test_keyboard_reaches_the_upload_button(logged_in_page, user, pets):
    page = logged_in_page(user)
    # Playwright turns on file-chooser interception without waiting for the browser; a listener
    # registered early makes sure it is on before Enter is pressed.
    page.on("filechooser", lambda chooser: None)
    page.goto(f"/projects/{pets.pk}/upload/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to content"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "choose-files":
            break
    else:
        pytest.fail("Tab never reached the Choose files button")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert chooser.value.is_multiple()


def test_theme_toggle_is_remembered(logged_in_page, user):
    page = logged_in_page(user)
    page.emulate_media(color_scheme="light")
    page.locator("#theme-toggle").click()
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 24)"
