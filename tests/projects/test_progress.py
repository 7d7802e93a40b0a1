from datetime import UTC, datetime, timedelta

from projects.progress import JobStatus, compute_progress

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_progress_reports_rate_and_eta_from_counts_and_elapsed_time():
    progress = compute_progress(
        status=JobStatus.RUNNING,
        total=100,
        done=30,
        failed=10,
        started_at=NOW - timedelta(seconds=20),
        finished_at=None,
        now=NOW,
    )
    assert progress["queued"] == 60
    assert progress["percent"] == 40.0
    assert progress["items_per_s"] == 2.0
    assert progress["eta"] == (NOW + timedelta(seconds=30)).isoformat()


def test_finished_job_has_no_eta_and_nothing_queued():
    progress = compute_progress(
        status=JobStatus.COMPLETED_WITH_ERRORS,
        total=10,
        done=8,
        failed=2,
        started_at=NOW - timedelta(seconds=5),
        finished_at=NOW,
        now=NOW + timedelta(hours=1),
    )
    assert progress["eta"] is None and progress["queued"] == 0 and progress["percent"] == 100.0
    assert progress["elapsed_s"] == 5.0


def test_job_not_started_has_no_rate():
    progress = compute_progress(
        status=JobStatus.QUEUED, total=5, done=0, failed=0, started_at=None, finished_at=None, now=NOW
    )
    assert progress["items_per_s"] is None and progress["percent"] == 0.0 and progress["queued"] == 5
