"""A real Celery worker process for integration tests (PostgreSQL + Redis).

The worker is a separate process, so it cannot see SQLite's in-memory test database nor the test's open
transaction: tests that use it need PostgreSQL and `transactional_db` (rows are committed as in production).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from projects.management.commands.run_platform import terminate_with_parent

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def skip_reason_without_services() -> str | None:
    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL: a real worker cannot share SQLite's in-memory test database "
            "(set DATABASE_URL=postgres://..., or run scripts/test.sh with PostgreSQL on 127.0.0.1:5432)"
        )
    if not django_settings.REDIS_URL:
        return "needs Redis as the Celery broker (set REDIS_URL=redis://..., or run Redis on 127.0.0.1:6379)"
    return None


def database_url(settings_dict: dict[str, Any]) -> str:
    credentials = settings_dict["USER"] or ""
    if settings_dict.get("PASSWORD"):
        credentials += f":{settings_dict['PASSWORD']}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{settings_dict['NAME']}"


def wait_until(
    condition: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.2,
    message: str | Callable[[], str] = "",
) -> Any:
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds.

    `message` may be a callable, evaluated only on timeout (to include a log as it is then).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            description = message() if callable(message) else message
            pytest.fail(f"timed out after {timeout:g} s waiting for {description or condition!r}")
        time.sleep(interval)


class CeleryWorkerProcess:
    """`celery -A config worker` in its own process group, pointed at the test database and broker.

    `kill(sig)` signals the whole group (SIGKILL simulates a crashed machine); `restart()` starts it again with
    `environment`. A message a killed worker had taken is delivered again once Redis' visibility timeout has
    passed (the restarted worker's timeout decides), so a test of that sets CELERY_VISIBILITY_TIMEOUT_S, and the
    task time limits below it, to a few seconds in `environment` before `restart()`.
    """

    def __init__(self, environment: dict[str, str], log_dir: Path, *, concurrency: int = 1) -> None:
        self.environment = environment
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.starts = 0

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            f"--hostname=integration-{uuid.uuid4().hex[:8]}@%h",
            # No cluster chatter: one worker, and a faster start.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.log_dir / f"celery-worker-{self.starts}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # An interrupted test session must not leave a worker consuming from the broker.
                preexec_fn=terminate_with_parent,
            )
        wait_until(self._ready, timeout=READY_TIMEOUT_S, message="the Celery worker to be ready")

    def _ready(self) -> bool:
        assert self.process is not None and self.log_path is not None
        if self.process.poll() is not None:
            pytest.fail(f"the Celery worker exited with code {self.process.returncode}:\n{self.log()}")
        # Celery logs "celery@host ready." once it consumes from the broker.
        return " ready." in self.log_path.read_text(errors="replace")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the worker and its pool processes, and wait for the main process to exit."""
        assert self.process is not None
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self) -> None:
        if self.running:
            self.kill(signal.SIGTERM)
        self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.running:
            self.kill(signal.SIGTERM)
        # Pool processes outliving their parent must not keep running against a dropped test database.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def celery_worker_environment(transactional_db, settings, tmp_path) -> dict[str, str]:
    """The environment a worker needs to see what this test sees: its database, broker, media and data folder."""
    reason = skip_reason_without_services()
    if reason:
        pytest.skip(reason)
    return {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def celery_worker_process(celery_worker_environment, tmp_path) -> Iterator[CeleryWorkerProcess]:
    """A running worker (prefork, one process), stopped at the end of the test."""
    worker = CeleryWorkerProcess(dict(celery_worker_environment), tmp_path)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
