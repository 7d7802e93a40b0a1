"""Labelling time: work sessions opened by the server's clock, and the client's reports on them.

The server never trusts the client's numbers: it keeps what was reported, flags what cannot be true,
and derives `trusted_active_ms` (the report clipped to [0, wall time]) for analysis.

Flags (each a string in `WorkSession.flags`):
- active_exceeds_wall: reported active time is longer than the session has existed.
- negative_active: reported active time is below zero.
- active_decreased: a report's cumulative active time is lower than the previous report's.
- negative_duration: an event lasts less than zero milliseconds.
- event_before_session: an event starts before the session started.
- event_after_report: an event ends after the moment the server received the report.
- events_out_of_order: an event starts before the event reported before it.
- impossible_event_order: a region is edited or deleted after it was deleted, or created twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from labeling.models import Annotation, SessionOutcome, WorkSession
from labeling.services.errors import ConflictError, ServiceError
from labeling.validation import TimeReport
from projects.models import Item, Project

_ONE_MS = timedelta(milliseconds=1)


def elapsed_ms(started_at: datetime, now: datetime) -> int:
    return (now - started_at) // _ONE_MS


def open_session(*, project: Project, item: Item, user: User, now: datetime | None = None) -> WorkSession:
    """Start timing work on an item now, by the server's clock."""
    return WorkSession.objects.create(
        project=project,
        item=item,
        user=user,
        started_at=now or timezone.now(),
        idle_threshold_s=project.idle_threshold_s,
    )


def record_report(
    report: TimeReport,
    *,
    project: Project,
    item: Item | None,
    user: User,
    now: datetime,
    annotation: Annotation | None = None,
) -> WorkSession:
    """Apply a time report to its (row-locked) session, which must be the user's and open (and on the
    item, when one is given). Call inside a transaction."""
    session = _locked_open_session(report.session_id, project=project, item=item, user=user)
    if annotation is not None:
        if session.annotation_id not in (None, annotation.pk):
            raise ServiceError("This work session timed another annotation.", field="time.session")
        session.annotation = annotation
    wall_ms = elapsed_ms(session.started_at, now)
    new_flags = report_flags(
        previous_active_ms=session.active_ms,
        previous_events=session.events,
        active_ms=report.active_ms,
        events=report.events,
        wall_ms=wall_ms,
    )
    session.wall_ms = wall_ms
    session.active_ms = report.active_ms
    session.trusted_active_ms = trusted_active_ms(report.active_ms, wall_ms)
    session.events = [*session.events, *report.events]
    session.flags = sorted(set(session.flags) | new_flags)
    session.last_report_at = now
    session.reports += 1
    session.save(
        update_fields=[
            "annotation",
            "wall_ms",
            "active_ms",
            "trusted_active_ms",
            "events",
            "flags",
            "last_report_at",
            "reports",
        ]
    )
    return session


def close_sessions(
    *,
    item: Item,
    user_id: int,
    outcome: str,
    now: datetime,
    annotation: Annotation | None = None,
) -> None:
    """End the user's open sessions on the item. Sessions that never reported anything end as
    abandoned (a reload or a second tab), without a wall time that would count time nobody reported."""
    sessions = list(
        WorkSession.objects.select_for_update().filter(item=item, user_id=user_id, outcome=SessionOutcome.OPEN)
    )
    for session in sessions:
        session.ended_at = now
        if session.reports:
            session.outcome = outcome
            session.wall_ms = elapsed_ms(session.started_at, now)
            session.trusted_active_ms = trusted_active_ms(session.active_ms, session.wall_ms)
            if annotation is not None and session.annotation_id is None:
                session.annotation = annotation
        else:
            session.outcome = SessionOutcome.ABANDONED
    if sessions:
        WorkSession.objects.bulk_update(
            sessions, ["ended_at", "outcome", "wall_ms", "trusted_active_ms", "annotation"], batch_size=500
        )


def trusted_active_ms(active_ms: int | None, wall_ms: int | None) -> int | None:
    if active_ms is None or wall_ms is None:
        return None
    return max(0, min(active_ms, wall_ms))


def report_flags(
    *,
    previous_active_ms: int | None,
    previous_events: list[dict[str, Any]],
    active_ms: int,
    events: list[dict[str, Any]],
    wall_ms: int,
) -> set[str]:
    """The implausibilities in one report, given what the session already holds."""
    flags: set[str] = set()
    if active_ms > wall_ms:
        flags.add("active_exceeds_wall")
    if active_ms < 0:
        flags.add("negative_active")
    if previous_active_ms is not None and active_ms < previous_active_ms:
        flags.add("active_decreased")
    region_state: dict[str, str] = {}
    for event in previous_events:
        _advance(region_state, event)
    last_start = previous_events[-1]["started_at_ms"] if previous_events else None
    for event in events:
        start, duration = event["started_at_ms"], event["duration_ms"]
        if duration < 0:
            flags.add("negative_duration")
        if start < 0:
            flags.add("event_before_session")
        if start + max(duration, 0) > wall_ms:
            flags.add("event_after_report")
        if last_start is not None and start < last_start:
            flags.add("events_out_of_order")
        last_start = start
        if not _advance(region_state, event):
            flags.add("impossible_event_order")
    return flags


def _advance(region_state: dict[str, str], event: dict[str, Any]) -> bool:
    """Move a region through created → edited → deleted; False when the step cannot happen.
    A region may be created again after it was deleted (undo); editing before any creation in this
    session is fine, since the region may come from an earlier session."""
    key = event.get("region_key")
    if key is None:
        return True
    state = region_state.get(key)
    kind = event["type"]
    possible = not (
        (kind == "created" and state in ("created", "edited")) or (kind != "created" and state == "deleted")
    )
    region_state[key] = kind
    return possible


def report_time(*, project: Project, user: User, report: TimeReport) -> WorkSession:
    """A report on its own, without saving an annotation (e.g. time spent before the first save)."""
    with transaction.atomic():
        return record_report(report, project=project, item=None, user=user, now=timezone.now())


def _locked_open_session(session_id: int, *, project: Project, item: Item | None, user: User) -> WorkSession:
    session = WorkSession.objects.select_for_update().filter(pk=session_id, project=project).first()
    if session is None:
        raise ServiceError(f"There is no work session {session_id} in this project.", field="time.session")
    if session.user_id != user.pk or (item is not None and session.item_id != item.pk):
        raise ServiceError("This work session is not yours on this item.", field="time.session")
    if session.outcome != SessionOutcome.OPEN:
        raise ConflictError(
            "This work session has ended; open a new one (POST sessions/) to time further work.",
            field="time.session",
        )
    return session
