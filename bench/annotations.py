"""Annotation API benchmark, run the way production runs: gunicorn with platform/gunicorn.conf.py
(4 workers) on PostgreSQL.

    .venv/bin/python bench/annotations.py [--items 2000] [--seconds 20] [--clients 8] [--samples 300]

It creates a fresh database (tandem_bench_<pid>) on the PostgreSQL server named by BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432), migrates it, seeds a project with 2,000 image items,
starts gunicorn on a free local port and measures, with keep-alive HTTP clients:

- save: sequential PUT of a 10-box annotation with If-Match and a time report (the editor's save);
- get: sequential GET of an item's annotations;
- 8 concurrent clients (one annotator each) mixing reads and saves for 20 s: requests/s and errors.

The database is dropped at the end. The last line printed is JSON:
{"save_p50_ms": ..., "save_p95_ms": ..., "get_p95_ms": ..., "rps_8_clients": ..., "errors": 0, ...}
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SEED = r"""
import hashlib, json, os, sys
from datetime import timedelta
import django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from labeling.models import Annotation, AnnotationRevision, Assignment, Region
from projects import services
from projects.models import Item, Membership, VersionItem
from projects.selectors import default_dataset, working_version

items_wanted, clients, reserved = (int(v) for v in sys.argv[1:4])
User = get_user_model()
manager = User.objects.create_user("bench-manager", password=None)
project = services.create_project(
    user=manager, name="bench", kinds=["bbox", "image_class"],
    classes=[{"name": "car", "color": "#ff0000"}, {"name": "person", "color": "#00ff00"}],
)
classes = list(project.classes.values_list("id", flat=True))
dataset = default_dataset(project)
version = working_version(dataset)
items = Item.objects.bulk_create([
    Item(project=project, dataset=dataset, kind="image", original_name=f"img{i:05}.jpg",
         sha256=hashlib.sha256(f"bench-{i}".encode()).hexdigest(), width=1024, height=768)
    for i in range(items_wanted)
])
VersionItem.objects.bulk_create([VersionItem(version=version, item=item) for item in items])
annotators = []
for n in range(clients):
    user = User.objects.create_user(f"bench-annotator-{n}", password=None)
    Membership.objects.create(project=project, user=user, role="annotator")
    annotators.append(user)
# Each client annotator holds its own slice of items, each with a 10-box annotation to read and save.
per_client = (items_wanted - reserved) // clients
now = timezone.now()
client_items = {}
for n, user in enumerate(annotators):
    mine = items[reserved + n * per_client : reserved + (n + 1) * per_client]
    Assignment.objects.bulk_create([
        Assignment(project=project, item=item, user=user, status="locked", locked_until=now + timedelta(days=1))
        for item in mine
    ])
    annotations = Annotation.objects.bulk_create([
        Annotation(project=project, item=item, annotator=user) for item in mine
    ])
    Region.objects.bulk_create([
        Region(annotation=a, label_class_id=classes[b % 2], kind="bbox", key=f"b{b}",
               x=10.0 * b, y=5.0 * b, width=50.0, height=40.0, area=2000.0)
        for a in annotations for b in range(10)
    ])
    AnnotationRevision.objects.bulk_create([
        AnnotationRevision(annotation=a, version=1, action="created", author=user, status="draft", regions=[])
        for a in annotations
    ])
    client_items[str(n)] = [[a.item_id, a.pk] for a in annotations]
print(json.dumps({
    "project": project.pk,
    "classes": classes,
    "manager_token": Token.objects.create(user=manager).key,
    "annotator_tokens": [Token.objects.create(user=u).key for u in annotators],
    "reserved_items": [item.pk for item in items[:reserved]],
    "client_items": client_items,
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def boxes(classes: list[int], shift: float) -> list[dict[str, Any]]:
    return [
        {
            "key": f"b{n}",
            "kind": "bbox",
            "label_class": classes[n % len(classes)],
            "x": 10.0 * n + shift,
            "y": 5.0 * n,
            "width": 50.0,
            "height": 40.0,
        }
        for n in range(10)
    ]


class Api:
    def __init__(self, base: str, token: str, project: int) -> None:
        self.base = f"{base}/api/v1/projects/{project}"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})

    def post(self, path: str, body: Any, **headers: str) -> requests.Response:
        return self.session.post(self.base + path, json=body, headers=headers, timeout=30)

    def put(self, path: str, body: Any, **headers: str) -> requests.Response:
        return self.session.put(self.base + path, json=body, headers=headers, timeout=30)

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=30)


def expect(response: requests.Response, status: int) -> requests.Response:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response


def sequential(api: Api, seed: dict[str, Any], samples: int) -> dict[str, float]:
    classes = seed["classes"]
    items = seed["reserved_items"][:samples]
    creates: list[float] = []
    saves: list[float] = []
    reads: list[float] = []
    annotations: list[tuple[int, int, str]] = []
    for item in items:
        session = expect(api.post("/sessions/", {"item": item}), 201).json()["id"]
        started = time.perf_counter()
        response = expect(api.post(f"/items/{item}/annotations/", {"regions": boxes(classes, 0.0)}), 201)
        creates.append(time.perf_counter() - started)
        annotations.append((item, response.json()["id"], response.headers["ETag"]))
        active = 0
        etag = response.headers["ETag"]
        for shift in (1.0, 2.0):
            active += 4000
            body = {"regions": boxes(classes, shift), "time": {"session": session, "active_ms": active}}
            started = time.perf_counter()
            response = expect(api.put(f"/annotations/{response.json()['id']}/", body, **{"If-Match": etag}), 200)
            saves.append(time.perf_counter() - started)
            etag = response.headers["ETag"]
    for item, _, _ in annotations:
        started = time.perf_counter()
        expect(api.get(f"/items/{item}/annotations/"), 200)
        reads.append(time.perf_counter() - started)
    ms = 1000.0
    return {
        "save_p50_ms": round(statistics.median(saves) * ms, 2),
        "save_p95_ms": round(percentile(saves, 0.95) * ms, 2),
        "create_p50_ms": round(statistics.median(creates) * ms, 2),
        "create_p95_ms": round(percentile(creates, 0.95) * ms, 2),
        "get_p50_ms": round(statistics.median(reads) * ms, 2),
        "get_p95_ms": round(percentile(reads, 0.95) * ms, 2),
        "sequential_samples": len(saves),
    }


def concurrent(base: str, seed: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    classes = seed["classes"]
    counts = [0] * clients
    errors = [0] * clients
    error_samples: list[str] = []
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(number: int) -> None:
        api = Api(base, seed["annotator_tokens"][number], seed["project"])
        mine = seed["client_items"][str(number)]
        versions = {annotation: 1 for _, annotation in mine}
        rng = random.Random(number)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            item, annotation = mine[rng.randrange(len(mine))]
            try:
                if rng.random() < 0.5:
                    response = api.get(f"/items/{item}/annotations/")
                    ok = response.status_code == 200
                else:
                    body = {"regions": boxes(classes, rng.random() * 10)}
                    etag = f'"{versions[annotation]}"'
                    response = api.put(f"/annotations/{annotation}/", body, **{"If-Match": etag})
                    ok = response.status_code == 200
                    if ok:
                        versions[annotation] += 1
                if not ok and len(error_samples) < 5:
                    error_samples.append(f"{response.status_code} {response.text[:200]}")
            except requests.RequestException as error:
                ok = False
                if len(error_samples) < 5:
                    error_samples.append(repr(error))
            counts[number] += 1
            errors[number] += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = sum(counts)
    return {
        f"rps_{clients}_clients": round(total / elapsed, 1),
        "requests_concurrent": total,
        "errors": sum(errors),
        "error_samples": error_samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--samples", type=int, default=300, help="sequential saves/reads measured")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    server_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    database = f"tandem_bench_{os.getpid()}"
    admin = psycopg2.connect(with_database(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    data_dir = tempfile.mkdtemp(prefix="tandem-bench-")
    Path(data_dir, "staticfiles").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": with_database(server_url, database),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TANDEM_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    server: subprocess.Popen[bytes] | None = None
    finished = False
    try:
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        reserved = args.samples
        seeded = subprocess.run(
            [PYTHON, "-c", SEED, str(args.items), str(args.clients), str(reserved)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        # Production's own gunicorn settings (gthread workers, threads, keep-alive, access log), bound
        # locally, with the worker count the comparison with Label Studio uses.
        server_log = open(Path(data_dir, "gunicorn.log"), "wb")  # noqa: SIM115  (closed with the server)
        server = subprocess.Popen(
            [
                GUNICORN,
                "--config",
                "platform/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=server_log,
        )
        base = f"http://127.0.0.1:{port}"
        manager = Api(base, seed["manager_token"], seed["project"])
        deadline = time.monotonic() + 60
        while True:
            try:
                if manager.get("/classes/").status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within 60 s")
            time.sleep(0.2)
        for _ in range(40):  # warm every worker's connection and imports
            manager.get("/classes/")
        # The cheapest authenticated endpoint, for scale: what any request costs on this machine now.
        baseline = []
        for _ in range(100):
            started = time.perf_counter()
            expect(manager.get("/classes/"), 200)
            baseline.append(time.perf_counter() - started)
        result: dict[str, Any] = {"baseline_get_classes_p50_ms": round(statistics.median(baseline) * 1000, 2)}
        result.update(sequential(manager, seed, args.samples))
        result.update(concurrent(base, seed, args.clients, args.seconds))
        result.update(
            {
                "items": args.items,
                "workers": args.workers,
                "gunicorn_config": "platform/gunicorn.conf.py",
                "cpus": os.cpu_count(),
                # Other work on the machine slows every request; the baseline above shows by how much.
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
        finished = True
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        if finished:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"the server's log and data are kept in {data_dir}", file=sys.stderr)
    samples = result.pop("error_samples")
    for line in samples:
        print("error sample:", line, file=sys.stderr)
    ordered = {k: result.pop(k) for k in ("save_p50_ms", "save_p95_ms", "get_p95_ms", f"rps_{args.clients}_clients")}
    print(json.dumps({**ordered, "errors": result.pop("errors"), **result}))


if __name__ == "__main__":
    main()
