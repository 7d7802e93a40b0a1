"""`manage.py run_platform` starts web and worker together and stops both, as `make run` relies on.

These start real processes on a free local port with the filesystem broker and a SQLite file in a temporary
data folder, so they need no external service.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, wait_until

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
PIDS = re.compile(r"web pid (\d+), worker pid (\d+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ", 1)[1].startswith("Z"))


def get(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


@dataclass
class Platform:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def child_pids(self) -> tuple[int, int]:
        match = wait_until(lambda: PIDS.search(self.log()), timeout=START_TIMEOUT_S, message="the start banner")
        return int(match.group(1)), int(match.group(2))

    def wait_until_serving(self) -> None:
        def serving() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"run_platform exited early with {self.process.returncode}:\n{self.log()}")
            return get(self.url("/healthz"), timeout=5)[0] == 200

        wait_until(serving, timeout=START_TIMEOUT_S, interval=0.3, message="the web server to answer /healthz")

    def shut_down(self) -> None:
        """Stop it the way a user does; if it does not stop, kill it and its children's process groups."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
                return
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The children lead their own process groups, which killing the supervisor does not reach.
        match = PIDS.search(self.log())
        for pid in map(int, match.groups()) if match else ():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    def wait_until_worker_ready(self) -> None:
        wait_until(lambda: " ready." in self.log(), timeout=START_TIMEOUT_S, message="the Celery worker to be ready")


def platform_environment(data_dir: Path, *, debug: bool) -> dict[str, str]:
    environment = {
        **os.environ,
        "DEBUG": "1" if debug else "0",
        "TANDEM_DATA_DIR": str(data_dir),
        "MEDIA_ROOT": str(data_dir / "media"),
        "STATIC_ROOT": str(data_dir / "staticfiles"),
        "PYTHONUNBUFFERED": "1",
        # One gunicorn worker process is enough to answer a test, and starts fastest.
        "WEB_CONCURRENCY": "1",
    }
    # This runs on its own file database and broker, whatever the test session uses.
    # STATIC_FROM_SOURCE follows DEBUG here, as for a developer, not the test session's setting.
    for name in ("DATABASE_URL", "REDIS_URL", "STATIC_FROM_SOURCE"):
        environment.pop(name, None)
    return environment


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """A migrated SQLite file, made once and copied into each test's data folder."""
    data_dir = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=platform_environment(data_dir, debug=True),
        check=True,
    )
    return data_dir / "db.sqlite3"


def start_platform(tmp_path: Path, database: Path, *, debug: bool) -> Platform:
    port = free_port()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(database, data_dir / "db.sqlite3")
    environment = {**platform_environment(data_dir, debug=debug), "PORT": str(port)}
    log_path = tmp_path / "run_platform.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_platform", "--concurrency=1", "--grace=15"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    return Platform(process=process, port=port, log_path=log_path)


@pytest.fixture
def platform_in_debug(tmp_path, migrated_database) -> Iterator[Platform]:
    platform = start_platform(tmp_path, migrated_database, debug=True)
    yield platform
    platform.shut_down()


def test_sigint_stops_web_and_worker_and_exits_zero(platform_in_debug):
    platform = platform_in_debug
    web_pid, worker_pid = platform.child_pids()
    platform.wait_until_serving()
    platform.wait_until_worker_ready()

    platform.process.send_signal(signal.SIGINT)

    assert platform.process.wait(timeout=STOP_TIMEOUT_S) == 0, platform.log()
    assert not alive(web_pid)
    assert not alive(worker_pid)


def test_web_serves_the_login_page_and_the_api_schema(platform_in_debug):
    platform = platform_in_debug
    platform.wait_until_serving()

    login_status, login_page = get(platform.url("/login/"))
    schema_status, schema = get(platform.url("/api/schema/?format=json"))

    assert login_status == 200
    assert b"<form" in login_page
    assert schema_status == 200
    assert json.loads(schema)["info"]["title"] == "Tandem API"


def test_worker_dying_stops_the_web_server_and_fails_the_command(platform_in_debug):
    platform = platform_in_debug
    web_pid, worker_pid = platform.child_pids()
    platform.wait_until_serving()

    os.killpg(worker_pid, signal.SIGKILL)

    assert platform.process.wait(timeout=STOP_TIMEOUT_S) != 0
    assert "worker process exited" in platform.log()
    assert not alive(web_pid)


def test_supervisor_killed_outright_takes_web_and_worker_with_it(platform_in_debug):
    platform = platform_in_debug
    web_pid, worker_pid = platform.child_pids()
    platform.wait_until_serving()

    platform.process.kill()
    platform.process.wait()

    wait_until(
        lambda: not alive(web_pid) and not alive(worker_pid),
        timeout=STOP_TIMEOUT_S,
        message="web and worker to exit after their supervisor was killed",
    )


def test_without_debug_gunicorn_serves_collected_static_files(tmp_path, migrated_database):
    platform = start_platform(tmp_path, migrated_database, debug=False)
    try:
        platform.wait_until_serving()
        status, _ = get(platform.url("/static/frontend/app.css"))
        server = urllib.request.urlopen(platform.url("/healthz"), timeout=30).headers["Server"]
        platform.process.send_signal(signal.SIGTERM)
        exit_code = platform.process.wait(timeout=STOP_TIMEOUT_S)
    finally:
        platform.shut_down()
    assert status == 200
    assert "gunicorn" in server
    assert exit_code == 0, platform.log()
