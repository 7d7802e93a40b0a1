"""Labelling time: server-clock sessions, client reports, plausibility flags, later edits. Exact numbers."""

from __future__ import annotations

import pytest

from labeling.models import SessionOutcome, WorkSession
from projects.models import Role
from tests.factories import add_member, make_image_item
from tests.labeling.conftest import annotation_url, box, create, next_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed(annotator_api, image_project, image_item, clock):
    """The annotator took the item from the queue at the clock's start."""
    response = next_item(annotator_api, image_project)
    assert response.status_code == 200, response.data
    return response.data


def submit_new(api, item, cat, session, active_ms, events=()):
    return create(
        api, item, [box(cat)], submit=True, time={"session": session, "active_ms": active_ms, "events": list(events)}
    )


def test_session_starts_by_the_server_clock_when_the_item_is_handed_out(handed, clock, image_project):
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert session.started_at == clock.now
    assert session.idle_threshold_s == image_project.idle_threshold_s == 30
    assert handed["session"]["idle_threshold_s"] == 30


def test_submit_after_90_seconds_with_60_active_stores_exact_numbers(handed, clock, annotator_api, image_item, cat):
    started = clock.now
    clock.advance(seconds=90)
    response = submit_new(annotator_api, image_item, cat, handed["session"]["id"], 60_000)
    assert response.status_code == 201, response.data
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert (session.started_at, session.ended_at, session.submitted_at) == (started, clock.now, clock.now)
    assert (session.wall_ms, session.active_ms, session.trusted_active_ms) == (90_000, 60_000, 60_000)
    assert session.flags == []
    assert session.outcome == SessionOutcome.SUBMITTED
    assert session.annotation_id == response.data["id"]


def test_active_time_longer_than_wall_time_is_kept_flagged_and_clipped(handed, clock, annotator_api, image_item, cat):
    clock.advance(seconds=90)
    submit_new(annotator_api, image_item, cat, handed["session"]["id"], 120_000)
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert (session.wall_ms, session.active_ms, session.trusted_active_ms) == (90_000, 120_000, 90_000)
    assert session.flags == ["active_exceeds_wall"]


def test_negative_active_time_is_flagged_and_trusted_as_zero(handed, clock, annotator_api, image_item, cat):
    clock.advance(seconds=10)
    submit_new(annotator_api, image_item, cat, handed["session"]["id"], -5)
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert (session.active_ms, session.trusted_active_ms, session.flags) == (-5, 0, ["negative_active"])


def test_active_time_that_goes_down_between_reports_is_flagged(handed, clock, annotator_api, image_item, cat):
    session_id = handed["session"]["id"]
    clock.advance(seconds=30)
    created = create(annotator_api, image_item, [box(cat)], time={"session": session_id, "active_ms": 20_000}).data
    clock.advance(seconds=30)
    annotator_api.patch(
        annotation_url(created["id"], image_item.project_id),
        {"time": {"session": session_id, "active_ms": 15_000}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    session = WorkSession.objects.get(pk=session_id)
    assert (session.wall_ms, session.active_ms, session.reports) == (60_000, 15_000, 2)
    assert session.flags == ["active_decreased"]


def test_a_time_report_alone_does_not_change_the_annotation_version(handed, clock, annotator_api, image_item, cat):
    session_id = handed["session"]["id"]
    created = create(annotator_api, image_item, [box(cat)], time={"session": session_id, "active_ms": 0}).data
    response = annotator_api.patch(
        annotation_url(created["id"], image_item.project_id),
        {"time": {"session": session_id, "active_ms": 1_000}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def event(kind, start, duration, key="r1", **extra):
    return {"type": kind, "region_key": key, "tool": "bbox", "started_at_ms": start, "duration_ms": duration, **extra}


@pytest.mark.parametrize(
    ("events", "flag"),
    [
        ([event("created", 5_000, 1_000), event("edited", 4_000, 500)], "events_out_of_order"),
        (
            [event("created", 1_000, 500), event("deleted", 2_000, 10), event("edited", 3_000, 10)],
            "impossible_event_order",
        ),
        ([event("created", 1_000, 500), event("created", 2_000, 500)], "impossible_event_order"),
        ([event("created", 1_000, -200)], "negative_duration"),
        ([event("created", -1, 100)], "event_before_session"),
        ([event("created", 59_000, 2_000)], "event_after_report"),
    ],
)
def test_implausible_events_are_stored_and_flagged(handed, clock, annotator_api, image_item, cat, events, flag):
    clock.advance(seconds=60)
    response = submit_new(annotator_api, image_item, cat, handed["session"]["id"], 30_000, events)
    assert response.status_code == 201, response.data
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert session.flags == [flag]
    assert session.events == [{"label_class": None, **e} for e in events]


def test_plausible_events_with_undo_raise_no_flag(handed, clock, annotator_api, image_item, cat):
    clock.advance(seconds=60)
    events = [
        event("created", 1_000, 2_000, label_class=cat.pk),
        event("deleted", 4_000, 10),
        event("created", 4_500, 10),
        event("edited", 6_000, 800),
    ]
    submit_new(annotator_api, image_item, cat, handed["session"]["id"], 30_000, events)
    assert WorkSession.objects.get(pk=handed["session"]["id"]).flags == []


def test_events_accumulate_across_reports(handed, clock, annotator_api, image_item, cat):
    session_id = handed["session"]["id"]
    clock.advance(seconds=20)
    created = create(
        annotator_api,
        image_item,
        [box(cat)],
        time={"session": session_id, "active_ms": 10_000, "events": [event("created", 1_000, 3_000)]},
    ).data
    clock.advance(seconds=20)
    annotator_api.put(
        annotation_url(created["id"], image_item.project_id),
        {
            "regions": [box(cat, x=2)],
            "time": {
                "session": session_id,
                "active_ms": 25_000,
                "events": [event("edited", 22_000, 1_000), event("edited", 30_000, 500)],
            },
        },
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    session = WorkSession.objects.get(pk=session_id)
    assert [e["started_at_ms"] for e in session.events] == [1_000, 22_000, 30_000]
    assert (session.wall_ms, session.active_ms, session.flags) == (40_000, 25_000, [])


def test_later_edits_add_a_further_session_to_the_same_annotation(
    handed, clock, annotator_api, image_project, image_item, cat
):
    clock.advance(seconds=90)
    annotation = submit_new(annotator_api, image_item, cat, handed["session"]["id"], 60_000).data
    clock.advance(hours=1)
    opened = annotator_api.post(
        f"/api/v1/projects/{image_project.pk}/sessions/", {"item": image_item.pk}, format="json"
    )
    assert opened.status_code == 201, opened.data
    clock.advance(seconds=30)
    response = annotator_api.put(
        annotation_url(annotation["id"], image_project.pk),
        {"regions": [box(cat, x=4)], "time": {"session": opened.data["id"], "active_ms": 20_000}, "submit": True},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.data
    totals = annotator_api.get(f"/api/v1/projects/{image_project.pk}/sessions/totals/", {"group_by": "annotation"}).data
    assert totals == [
        {
            "annotation": annotation["id"],
            "sessions": 2,
            "wall_ms": 120_000,
            "active_ms": 80_000,
            "trusted_active_ms": 80_000,
            "flagged": 0,
        }
    ]


def test_reporting_on_an_ended_session_is_a_conflict(handed, clock, annotator_api, image_item, cat):
    session_id = handed["session"]["id"]
    annotation = submit_new(annotator_api, image_item, cat, session_id, 1_000).data
    response = annotator_api.put(
        annotation_url(annotation["id"], image_item.project_id),
        {"regions": [box(cat)], "time": {"session": session_id, "active_ms": 2_000}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 409
    assert response.data["errors"] == {"time.session": [response.data["detail"]]}


def test_reporting_on_someone_elses_session_is_rejected(handed, client_for, image_project, image_item, cat):
    other = add_member(image_project, Role.ANNOTATOR)
    other_item = make_image_item(image_project, color=(1, 2, 3))
    other_api = client_for(other)
    assert next_item(other_api, image_project).data["item"]["id"] == other_item.pk
    response = submit_new(other_api, other_item, cat, handed["session"]["id"], 1_000)
    assert response.status_code == 400
    assert "time.session" in response.data["errors"]


def test_session_never_reported_ends_as_abandoned_without_wall_time(
    handed, clock, annotator_api, image_project, image_item, cat
):
    # A reload asked for the item again: a second session, never reported on.
    second = next_item(annotator_api, image_project).data["session"]["id"]
    clock.advance(seconds=50)
    submit_new(annotator_api, image_item, cat, handed["session"]["id"], 40_000)
    abandoned = WorkSession.objects.get(pk=second)
    assert (abandoned.outcome, abandoned.wall_ms, abandoned.ended_at) == (SessionOutcome.ABANDONED, None, clock.now)


def test_skip_with_a_report_ends_the_session_as_skipped(handed, clock, annotator_api, image_project, image_item):
    clock.advance(seconds=12)
    response = annotator_api.post(
        f"/api/v1/projects/{image_project.pk}/queue/skip/",
        {"item": image_item.pk, "time": {"session": handed["session"]["id"], "active_ms": 9_000}},
        format="json",
    )
    assert response.status_code == 204, response.data
    session = WorkSession.objects.get(pk=handed["session"]["id"])
    assert (session.outcome, session.wall_ms, session.active_ms) == (SessionOutcome.SKIPPED, 12_000, 9_000)


def test_report_endpoint_records_time_without_an_annotation(handed, clock, annotator_api, image_project):
    clock.advance(seconds=5)
    session_id = handed["session"]["id"]
    response = annotator_api.post(
        f"/api/v1/projects/{image_project.pk}/sessions/{session_id}/report/", {"active_ms": 4_000}, format="json"
    )
    assert response.status_code == 200, response.data
    assert (response.data["wall_ms"], response.data["active_ms"], response.data["outcome"]) == (5_000, 4_000, "open")


def test_annotators_read_only_their_own_sessions_managers_read_all(
    handed, client_for, annotator_api, manager_api, image_project
):
    other = add_member(image_project, Role.ANNOTATOR)
    make_image_item(image_project, color=(9, 9, 9))
    next_item(client_for(other), image_project)
    url = f"/api/v1/projects/{image_project.pk}/sessions/"
    assert annotator_api.get(url).data["count"] == 1
    assert manager_api.get(url).data["count"] == 2


def test_sessions_can_be_filtered_to_flagged_ones(
    handed, clock, annotator_api, manager_api, image_project, image_item, cat
):
    clock.advance(seconds=1)
    submit_new(annotator_api, image_item, cat, handed["session"]["id"], 5_000)
    url = f"/api/v1/projects/{image_project.pk}/sessions/"
    flagged = manager_api.get(url, {"flagged": "true"}).data
    assert [s["flags"] for s in flagged["results"]] == [["active_exceeds_wall"]]
    assert manager_api.get(url, {"flagged": "false"}).data["count"] == 0


def test_malformed_time_report_is_rejected_with_the_field_named(handed, annotator_api, image_item, cat):
    response = create(
        annotator_api,
        image_item,
        [box(cat)],
        time={"session": handed["session"]["id"], "active_ms": "60s", "events": [{"type": "moved"}]},
    )
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"time.active_ms", "time.events[0].type"}


def test_report_endpoint_names_bad_fields_without_a_prefix(handed, annotator_api, image_project):
    session_id = handed["session"]["id"]
    response = annotator_api.post(
        f"/api/v1/projects/{image_project.pk}/sessions/{session_id}/report/", {"active_ms": 1.5}, format="json"
    )
    assert response.status_code == 400
    assert response.data["errors"] == {"active_ms": ["Must be an integer."]}
