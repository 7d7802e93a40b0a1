"""`manage.py run_platform`: the web server and a Celery worker (with beat) in one command.

Each child runs in its own process group, so Ctrl-C reaches this supervisor only. It forwards the signal to
each child's main process, which shuts down its own workers (Celery's documented way: a signal sent straight
to pool processes kills the tasks they run), waits, removes whatever is left in the children's process groups
and exits 0. If one child dies on its own, the other is stopped too and the command exits non-zero: a web
server without its worker would accept uploads whose thumbnails never come.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

POLL_INTERVAL_S = 0.2


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    def signal_main(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def terminate_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when this supervisor dies, even by SIGKILL.

    Without it a supervisor killed outright would leave web and worker running in their own sessions.
    """
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def web_command(*, host: str, port: int, debug: bool) -> list[str]:
    """Django's development server when DEBUG, gunicorn (as in production) otherwise."""
    if debug:
        # With the autoreloader: the parent ends its serving child when it stops, and both are in the group.
        return [sys.executable, str(settings.BASE_DIR / "manage.py"), "runserver", f"{host}:{port}"]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(settings.BASE_DIR / "platform" / "gunicorn.conf.py"),
        "--bind",
        f"{host}:{port}",
        "config.wsgi:application",
    ]


def worker_command(*, concurrency: int) -> list[str]:
    # -B embeds beat for the periodic orphan-file cleanup; fine for the single worker this command starts.
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "-B",
        "--schedule",
        str(settings.DATA_DIR / "celerybeat-schedule"),
    ]


class Command(BaseCommand):
    help = "Start the web server and a Celery worker with beat; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="Default: $HOST or 127.0.0.1")
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="Default: $PORT or 8000"
        )
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes (default 2).")
        parser.add_argument(
            "--grace",
            type=float,
            default=20.0,
            help="Seconds to wait for the children after forwarding a signal before killing them (default 20).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.STATIC_FROM_SOURCE:
            # Static files are then served from WhiteNoise's manifest of hashed copies, which collectstatic writes.
            call_command("collectstatic", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        received: list[int] = []

        def remember(signum: int, frame: FrameType | None) -> None:
            received.append(signum)

        signal.signal(signal.SIGINT, remember)
        signal.signal(signal.SIGTERM, remember)

        children = [
            self._start("web", web_command(host=host, port=port, debug=settings.DEBUG)),
            self._start("worker", worker_command(concurrency=options["concurrency"])),
        ]
        self.stdout.write(
            f"Tandem is running at http://{host}:{port}/ "
            f"(web pid {children[0].process.pid}, worker pid {children[1].process.pid}). Press Ctrl-C to stop.",
        )
        self.stdout.flush()

        while True:
            if received:
                self.stdout.write(
                    f"Stopping web and worker ({signal.Signals(received[0]).name}); press Ctrl-C again to kill them."
                )
                self._stop(children, received[0], grace=options["grace"], hurry=lambda: len(received) > 1)
                self.stdout.write("Stopped.")
                return
            dead = next((child for child in children if child.process.poll() is not None), None)
            if dead is not None:
                others = [child for child in children if child is not dead]
                self._stop(others, signal.SIGTERM, grace=options["grace"], hurry=lambda: bool(received))
                code = dead.process.returncode
                raise CommandError(
                    f"The {dead.name} process exited with code {code}; stopped the others.",
                    returncode=code if code > 0 else 1,
                )
            time.sleep(POLL_INTERVAL_S)

    def _start(self, name: str, command: list[str]) -> Child:
        # A new session makes the child the leader of its own process group (pgid == pid), which the
        # terminal's Ctrl-C does not reach: only this supervisor decides when the children stop.
        process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            command, start_new_session=True, preexec_fn=terminate_with_parent
        )
        return Child(name=name, process=process)

    def _stop(self, children: list[Child], signum: int, *, grace: float, hurry: Callable[[], bool]) -> None:
        """Signal each child's main process, wait up to `grace` seconds (less if `hurry()`), then clean up."""
        for child in children:
            child.signal_main(signum)
        deadline = time.monotonic() + grace
        while any(child.process.poll() is None for child in children):
            if hurry():
                break
            if time.monotonic() > deadline:
                self.stderr.write(f"Web or worker did not stop within {grace:g} s; killing them.")
                break
            time.sleep(POLL_INTERVAL_S)
        # Anything still in a child's group (a pool process that outlived its parent, a child that ignored
        # the signal) goes now; the group is the child's own, so nothing else is touched.
        for child in children:
            child.kill_group()
            child.process.wait()
