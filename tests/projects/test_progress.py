from datetime import timedelta

from django.utils import timezone

from projects.progress import JobStatus, TrackedJob


class FakeJob(TrackedJob):
    """An unsaved concrete instance is enough to test the arithmetic of progress()."""

    class Meta:
        app_label = "projects"
        managed = False


def test_progress_reports_rate_and_eta_from_counts_and_elapsed_time():
    now = timezone.now()
    job = FakeJob(status=JobStatus.RUNNING, total=100, done=30, failed=10, started_at=now - timedelta(seconds=20))
    progress = job.progress()
    assert progress["queued"] == 60
    assert progress["percent"] == 40.0
    assert progress["items_per_s"] == 2.0
    eta = timezone.datetime.fromisoformat(progress["eta"])
    assert abs((eta - now).total_seconds() - 30) < 2


def test_finished_job_has_no_eta_and_nothing_queued():
    now = timezone.now()
    job = FakeJob(
        status=JobStatus.COMPLETED_WITH_ERRORS,
        total=10,
        done=8,
        failed=2,
        started_at=now - timedelta(seconds=5),
        finished_at=now,
    )
    progress = job.progress()
    assert progress["eta"] is None and progress["queued"] == 0 and progress["percent"] == 100.0
