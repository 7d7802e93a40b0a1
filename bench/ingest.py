"""Upload throughput and server memory: N and 4N JPEGs in one ZIP through the real API.

    .venv/bin/python bench/ingest.py [--n 2000]

For each size, a fresh server is started as in production: migrations first, then gunicorn with
platform/gunicorn.conf.py and 2 workers on 127.0.0.1 and a free port, DEBUG=0, a new SECRET_KEY and a new
TANDEM_DATA_DIR (SQLite there, or DATABASE_URL from the environment). A user, token and project are made
with `manage.py shell -c`; the ZIP (640x480 JPEGs of noise and shapes, each unique) is streamed from disk
with `requests`. Wall time covers the whole request (transfer, checks, storage, inserts); memory is the
peak of the summed RSS of the gunicorn master and workers, sampled every 20 ms, plus each process's VmHWM.
Memory that stays flat from N to 4N shows the archive is streamed rather than held.

REDIS_URL is not passed to the server: thumbnail messages go to the filesystem broker inside the data
directory, so a benchmark never leaves work in a shared Redis.

The last line of stdout is JSON:
{"images": N, "images_per_s": ..., "server_peak_rss_mb": ..., "images_large": 4N, ...}
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import requests
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
WORKERS = 2
# CPU a worker spends on its first request (importing every app's URLs and views) is well above this.
WARM_CPU_S = 0.4
WIDTH, HEIGHT = 640, 480


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------------


def make_jpeg(index: int) -> bytes:
    """Smooth colour noise (as photos have) with a few random shapes; unique per index."""
    rng = np.random.default_rng(index)
    noise = rng.integers(0, 256, (HEIGHT // 8, WIDTH // 8, 3), dtype=np.uint8)
    image = Image.fromarray(noise).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = int(rng.integers(0, WIDTH - 20)), int(rng.integers(0, HEIGHT - 20))
        w, h = int(rng.integers(10, 200)), int(rng.integers(10, 200))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x, y, x + w, y + h], fill=colour)
        else:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def make_archives(directory: Path, small: int, large: int) -> tuple[Path, Path]:
    """Two ZIPs (deflated, as archivers make them) written entry by entry; the small one is a prefix."""
    small_path, large_path = directory / f"images-{small}.zip", directory / f"images-{large}.zip"
    started = time.perf_counter()
    with (
        zipfile.ZipFile(small_path, "w", zipfile.ZIP_DEFLATED) as small_zip,
        zipfile.ZipFile(large_path, "w", zipfile.ZIP_DEFLATED) as large_zip,
    ):
        for index in range(large):
            data = make_jpeg(index)
            name = f"images/{index:06d}.jpg"
            large_zip.writestr(name, data)
            if index < small:
                small_zip.writestr(name, data)
    log(
        f"generated {large} JPEGs in {time.perf_counter() - started:.1f}s: "
        f"{small_path.stat().st_size / 1e6:.0f} MB and {large_path.stat().st_size / 1e6:.0f} MB"
    )
    return small_path, large_path


class MultipartFile:
    """A multipart/form-data body with one file, read from disk in chunks; its length is known up front."""

    CHUNK = 1024 * 1024

    def __init__(self, path: Path, field: str = "files") -> None:
        self.path = path
        self.boundary = secrets.token_hex(16)
        self.head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.path.stat().st_size + len(self.tail)

    def __iter__(self):
        yield self.head
        with self.path.open("rb") as handle:
            while chunk := handle.read(self.CHUNK):
                yield chunk
        yield self.tail


# --- server -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        TANDEM_DATA_DIR=str(data_dir),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        WEB_CONCURRENCY=str(WORKERS),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


SETUP_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from projects.services import create_project
user = get_user_model().objects.create_user("bench-{suffix}", password="bench-" + "{suffix}" * 4)
project = create_project(user=user, name="ingest bench {suffix}", kinds=["bbox", "image_class"])
print(json.dumps({{"token": Token.objects.create(user=user).key, "project": project.pk}}))
"""


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.env = server_environment(data_dir)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "gunicorn.log"

    def start(self) -> None:
        manage(self.env, "migrate", "--noinput")
        command = [GUNICORN, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"]
        config = ROOT / "platform" / "gunicorn.conf.py"
        if config.exists():
            command += ["--config", str(config)]
        else:  # the same essentials without the shared config
            command += ["--worker-class", "gthread", "--threads", "4", "--timeout", "300"]
        with self.log_path.open("wb") as server_log:  # a file, not a pipe nobody reads, which would fill up
            self.process = subprocess.Popen(
                [*command, "config.wsgi:application"], cwd=ROOT, env=self.env, stdout=server_log, stderr=server_log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self.log_tail()}")
            try:
                requests.get(f"{self.base}/api/v1/", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start within 60 s")
        self.warm_up()

    def warm_up(self) -> None:
        """Get every worker past its first request, which imports the URL configuration (about a second of CPU).

        Otherwise the upload may land on a cold worker and the benchmark measures imports. Which worker takes a
        connection is up to the kernel, so requests go out in concurrent rounds until every worker has spent
        the CPU of that import.
        """
        workers = self.pids()[1:]
        booted = {pid: cpu_seconds([pid]) for pid in workers}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(cpu_seconds([pid]) - booted[pid] > WARM_CPU_S for pid in workers):
                return
            threads = [
                threading.Thread(target=requests.get, args=(f"{self.base}/api/v1/",), kwargs={"timeout": 30})
                for _ in range(4 * WORKERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        raise SystemExit("the gunicorn workers did not all answer within 60 s")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def pids(self) -> list[int]:
        assert self.process is not None
        master = self.process.pid
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if f"\nPPid:\t{master}\n" in status:
                    children.append(int(entry.name))
        return [master, *children]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes: throughput per CPU-second does not depend on other load."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of stat
    return total / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak of the summed RSS of the server's processes, sampled until stopped."""

    def __init__(self, server: Server, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.peak_kb = 0
        self.hwm_kb: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        pids = self.server.pids()
        last_scan = time.monotonic()
        while not self.done.is_set():
            if time.monotonic() - last_scan > 1:  # a worker may be replaced; rescan now and then
                pids, last_scan = self.server.pids(), time.monotonic()
            self.peak_kb = max(self.peak_kb, sum(status_kb(pid, "VmRSS") for pid in pids))
            for pid in pids:
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), status_kb(pid, "VmHWM"))
            self.done.wait(self.interval)


# --- one run ------------------------------------------------------------------------------------------


def run(archive: Path, expected: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-data-") as data_dir:
        server = Server(Path(data_dir))
        server.start()
        try:
            output = manage(server.env, "shell", "-c", SETUP_SCRIPT.format(suffix=secrets.token_hex(4)))
            setup = json.loads(output.strip().splitlines()[-1])  # the shell prints its auto-imports first
            sampler = MemorySampler(server)
            sampler.start()
            body = MultipartFile(archive)
            pids = server.pids()
            cpu_before = cpu_seconds(pids)
            started = time.perf_counter()
            response = requests.post(
                f"{server.base}/api/v1/projects/{setup['project']}/uploads/",
                data=body,
                headers={"Authorization": f"Token {setup['token']}", "Content-Type": body.content_type},
                timeout=3600,
            )
            wall = time.perf_counter() - started
            cpu = cpu_seconds(pids) - cpu_before
            sampler.done.set()
            sampler.join()
            if response.status_code != 201:
                raise SystemExit(f"upload answered {response.status_code}: {response.text[:2000]}\n{server.log_tail()}")
        finally:
            server.stop()
    report = response.json()
    if report["accepted"] != expected:
        problems = [line for line in report["report"] if line["status"] != "accepted"][:5]
        raise SystemExit(f"{report['accepted']} of {expected} accepted; first problems: {problems}")
    result = {
        "images": expected,
        "seconds": round(wall, 2),
        "images_per_s": round(expected / wall, 1),
        "server_peak_rss_mb": round(sampler.peak_kb / 1024, 1),
        "worker_peak_hwm_mb": round(max(sampler.hwm_kb.values()) / 1024, 1),
        "server_cpu_s": round(cpu, 2),
        "images_per_cpu_s": round(expected / cpu, 1),
        "load_average": os.getloadavg()[0],
    }
    log(f"{archive.name}: {json.dumps(result)}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="images in the small archive; the large one has 4n")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-zips-") as directory:
        small_zip, large_zip = make_archives(Path(directory), args.n, 4 * args.n)
        small = run(small_zip, args.n)
        large = run(large_zip, 4 * args.n)
    print(
        json.dumps(
            {
                "images": small["images"],
                "images_per_s": small["images_per_s"],
                "server_peak_rss_mb": small["server_peak_rss_mb"],
                "images_large": large["images"],
                "images_per_s_large": large["images_per_s"],
                "server_peak_rss_mb_large": large["server_peak_rss_mb"],
            }
        )
    )


if __name__ == "__main__":
    main()
