"""Export speed and server memory: COCO, YOLO and VOC of 10,000 images with 100,000 boxes, through the API.

    python bench/export.py [--images 10000] [--boxes-per-image 10] [--rounds 3]

Seeds a fresh database (PostgreSQL when DATABASE_URL is set — a throwaway database next to it — else a
temporary SQLite file) with one project of N images (labels only: the image files need not exist) and
10 boxes each, written with bulk_create. Starts gunicorn with 2 workers as production does
(platform/gunicorn.conf.py), with EXPORT_SYNC_MAX_ITEMS raised so the exports stream from the web worker
rather than going to a Celery job. Times each export over HTTP with `requests`, reading the streamed
body to the end (the median of --rounds runs), then reads the peak resident memory (VmHWM) of the worker
processes from /proc. Then doubles the images and does it again with a fresh server, to show memory
stays flat as the dataset grows.

Reference: Label Studio exports 2,000 tasks x 10 boxes as COCO in about 2.6 s on this kind of machine
(1.3 ms per task); the goal is at least 5x faster per image (<= 0.26 ms).

The last line of stdout is one JSON object:
{"images": 10000, "boxes": 100000, "coco_s": …, "yolo_s": …, "voc_s": …, "peak_rss_mb": …, "peak_rss_mb_20k": …}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FORMATS = {"coco": "coco", "yolo": "yolo_detection", "voc": "voc"}


def bench_database(workdir: Path) -> tuple[str, str | None]:
    """(DATABASE_URL for the bench, name of a PostgreSQL database to drop afterwards)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", None
    import psycopg2

    name = "tandem_bench_export"
    parsed = urlparse(base)
    connection = psycopg2.connect(base)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return urlunparse(parsed._replace(path=f"/{name}")), name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import psycopg2

    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
    connection.close()


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        DEBUG="0",
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TANDEM_DATA_DIR=str(workdir / "data"),
        MEDIA_ROOT=str(workdir / "media"),
        EXPORT_SYNC_MAX_ITEMS="1000000",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="WARNING",
        NO_ALBUMENTATIONS_UPDATE="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


SEED = r"""
import hashlib, json, random, sys
import django
django.setup()
from django.db import transaction
from rest_framework.authtoken.models import Token
from labeling.models import Annotation, AnnotationStatus, Region
from projects import services
from projects.models import Item, ItemKind, Project, VersionItem
from projects.selectors import default_dataset, working_version
from django.contrib.auth import get_user_model

start, count, per_image = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench")
project = Project.objects.filter(name="bench").first()
if project is None:
    classes = [{"name": f"class{i}", "color": "#%06x" % (i * 123457 % 0xFFFFFF)} for i in range(10)]
    project = services.create_project(user=user, name="bench", kinds=["bbox"], classes=classes)
class_ids = list(project.classes.values_list("id", flat=True))
dataset = default_dataset(project)
version = working_version(dataset)
rng = random.Random(start)
splits = ["train"] * 8 + ["val", "test"]
for offset in range(start, start + count, 2000):
    size = min(2000, start + count - offset)
    with transaction.atomic():
        items = Item.objects.bulk_create([
            Item(project=project, dataset=dataset, kind=ItemKind.IMAGE, original_name=f"street_{n:06d}.jpg",
                 sha256=hashlib.sha256(str(n).encode()).hexdigest(), file=f"projects/bench/{n:06d}.jpg",
                 width=1280, height=720, status="submitted")
            for n in range(offset, offset + size)
        ])
        VersionItem.objects.bulk_create([VersionItem(version=version, item=i, split=rng.choice(splits)) for i in items])
        annotations = Annotation.objects.bulk_create([
            Annotation(project=project, item=i, annotator=user, status=AnnotationStatus.SUBMITTED) for i in items
        ])
        regions = []
        for annotation in annotations:
            for k in range(per_image):
                x, y = rng.uniform(0, 1100), rng.uniform(0, 600)
                w, h = rng.uniform(5, 1280 - x), rng.uniform(5, 720 - y)
                regions.append(Region(annotation=annotation, label_class_id=rng.choice(class_ids), kind="bbox",
                                      key=f"r{k}", x=round(x, 2), y=round(y, 2), width=round(w, 2),
                                      height=round(h, 2), area=round(w, 2) * round(h, 2)))
        Region.objects.bulk_create(regions, batch_size=5000)
token, _ = Token.objects.get_or_create(user=user)
print(json.dumps({"project": project.pk, "token": token.key}))
"""


def seed(env: dict[str, str], start: int, count: int, per_image: int) -> dict[str, str]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", SEED, str(start), str(count), str(per_image)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn as production runs it, on a loopback port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "platform/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        answer = "no answer"
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"{self.url}/healthz", timeout=2)
                if response.status_code == 200:
                    return
                answer = f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as error:  # not listening yet, or still importing
                answer = str(error)
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become healthy: {answer}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def peak_rss_mb(self) -> float:
        peaks = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return round(max(peaks), 1)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def time_export(server: Server, project: str, token: str, fmt: str) -> tuple[float, int]:
    import requests

    started = time.perf_counter()
    size = 0
    with requests.post(
        f"{server.url}/api/v1/projects/{project}/exports/",
        json={"format": fmt},
        headers={"Authorization": f"Token {token}"},
        stream=True,
        timeout=600,
    ) as response:
        if response.status_code != 200 or response.headers.get("Tandem-Export") != "streamed":
            raise RuntimeError(f"{fmt}: HTTP {response.status_code} {response.text[:300]}")
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            size += len(chunk)
    return time.perf_counter() - started, size


def measure(env: dict[str, str], seeded: dict[str, str], rounds: int) -> tuple[dict[str, float], float]:
    server = Server(env)
    try:
        # Both workers import everything once before timing starts.
        for _ in range(4):
            time_export(server, seeded["project"], seeded["token"], "coco")
        times: dict[str, float] = {}
        for name, fmt in FORMATS.items():
            runs = []
            for _ in range(rounds):
                elapsed, size = time_export(server, seeded["project"], seeded["token"], fmt)
                runs.append(elapsed)
            times[name] = round(statistics.median(runs), 3)
            print(f"  {name}: {times[name]:.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)}), {size / 1e6:.1f} MB")
        return times, server.peak_rss_mb()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--boxes-per-image", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-export-"))
    database_url, pg_name = bench_database(workdir)
    env = server_env(database_url, workdir)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        engine = "postgresql" if pg_name else "sqlite"
        print(f"seeding {args.images} images x {args.boxes_per_image} boxes ({engine})", flush=True)
        seeded = seed(env, 0, args.images, args.boxes_per_image)
        times, peak = measure(env, seeded, args.rounds)
        per_image_ms = 1000 * times["coco"] / args.images
        print(f"  peak worker RSS {peak} MB; COCO {per_image_ms:.3f} ms per image (Label Studio: 1.3 ms per task)")
        print(f"seeding {args.images} more images", flush=True)
        seed(env, args.images, args.images, args.boxes_per_image)
        times_2x, peak_2x = measure(env, seeded, args.rounds)
        print(f"  peak worker RSS at {2 * args.images} images: {peak_2x} MB")
    finally:
        drop_database(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "images": args.images,
        "boxes": args.images * args.boxes_per_image,
        "coco_s": times["coco"],
        "yolo_s": times["yolo"],
        "voc_s": times["voc"],
        "peak_rss_mb": peak,
        "peak_rss_mb_20k": peak_2x,
        "coco_ms_per_image": round(per_image_ms, 4),
        "coco_s_20k": times_2x["coco"],
        "yolo_s_20k": times_2x["yolo"],
        "voc_s_20k": times_2x["voc"],
        "database": "postgresql" if pg_name else "sqlite",
        # Other work on the machine slows every figure; the 1-minute load average says how busy it was.
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
