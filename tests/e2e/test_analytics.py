"""The analytics dashboard in a real Chromium: its charts are drawn with data, the table sorts, outliers link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from labeling.analytics.services import refresh_project
from projects.models import Role
from tests.factories import UserFactory, add_member, make_project
from tests.labeling.analytics.conftest import START, item, work

pytestmark = pytest.mark.e2e

CHARTS = ("histogram", "annotators", "classes", "learning", "throughput", "growth")


@pytest.fixture
def recorded_project(transactional_db):
    manager = UserFactory(username="maria")
    project = make_project(manager=manager, name="Studio", kinds=("bbox", "polygon"), hourly_rate="30.00")
    cat = project.classes.get(name="cat")
    people = [add_member(project, Role.ANNOTATOR, user=UserFactory(username=name)) for name in ("ann", "bob")]
    for n in range(8):
        for index, person in enumerate(people):
            regions = [("bbox", cat, 3000 + 500 * n, "box")] + [("polygon", cat, 9000, "polygon")] * (n % 3)
            scale = 1000 * (index + 1)  # bob takes twice as long as ann
            target = item(project, f"{person.username}-{n}")
            at = START + timedelta(days=n % 3, hours=n)
            work(project, person, target, active_ms=(20 - n) * scale, wall_ms=(25 - n) * scale, regions=regions, at=at)
    work(project, people[0], item(project, "rushed"), active_ms=600, regions=[("bbox", cat, 300, "box")])
    refresh_project(project.pk)
    return project, manager


def test_dashboard_draws_every_chart_with_data(logged_in_page, recorded_project):
    project, manager = recorded_project
    page = logged_in_page(manager)

    page.goto(f"/projects/{project.pk}/analytics/")

    expect(page.locator("#analytics[data-loaded='1']")).to_have_count(1)
    for name in CHARTS:
        canvas = page.locator(f"#chart-{name}")
        assert int(canvas.get_attribute("data-points")) > 0, name
        drawn = page.evaluate(
            "id => { const c = window.Chart.getChart(document.getElementById(id));"
            " return c ? c.data.datasets.reduce((s, d) => s + d.data.length, 0) : 0; }",
            f"chart-{name}",
        )
        assert drawn > 0, name
    expect(page.locator("#annotator-table tbody tr")).to_have_count(2)


def test_annotator_table_sorts_by_a_column(logged_in_page, recorded_project):
    project, manager = recorded_project
    page = logged_in_page(manager)
    page.goto(f"/projects/{project.pk}/analytics/")
    expect(page.locator("#analytics[data-loaded='1']")).to_have_count(1)

    page.get_by_role("button", name="Items/h").click()  # ascending: the slower annotator first
    expect(page.locator("#annotator-table tbody tr").first).to_contain_text("bob")
    page.get_by_role("button", name="Items/h ▲").click()
    expect(page.locator("#annotator-table tbody tr").first).to_contain_text("ann")


def test_outlier_links_to_its_item(logged_in_page, recorded_project):
    project, manager = recorded_project
    page = logged_in_page(manager)
    page.goto(f"/projects/{project.pk}/analytics/")

    link = page.locator("#outlier-table").get_by_role("link", name="rushed")
    expect(link).to_have_attribute(
        "href", f"/projects/{project.pk}/items/{project.items.get(original_name='rushed').pk}/"
    )


def test_annotator_sees_only_their_own_row_and_no_cost(logged_in_page, recorded_project):
    project, _ = recorded_project
    page = logged_in_page(project.memberships.get(user__username="ann").user)
    page.goto(f"/projects/{project.pk}/analytics/")

    expect(page.locator("#analytics[data-loaded='1']")).to_have_count(1)
    expect(page.locator("#annotator-table tbody tr")).to_have_count(1)
    expect(page.locator("#cost-card")).to_have_count(0)
