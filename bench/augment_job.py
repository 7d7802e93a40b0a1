"""Augmentation jobs on Celery against a plain Albumentations loop doing the same work on the same files.

    .venv/bin/python bench/augment_job.py [--n 1000] [--rounds 1] [--chunk-size N]

Needs PostgreSQL and Redis: DATABASE_URL names the server (a fresh database `tandem_bench_<pid>` is created
there and dropped at the end; default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL the broker
(default redis://127.0.0.1:6379/0; its default queue is purged before each run, so give the bench a Redis
database of its own, e.g. redis://127.0.0.1:6379/7, on a machine where other work uses Redis).

1. Generates N 640x480 JPEGs with 10 boxes each (bench/augment.py's generator), uploads them through the
   API (in-process client, 100 files per request) into the train split, and stores their boxes as accepted
   annotations.
2. For 1 and then 2 worker processes: starts `celery -A config worker --pool=prefork --concurrency=P`, launches
   a job through the API with bench/augment.py's 5-step pipeline and 1 copy per item (originals included; each
   job with a seed of its own, so that every job writes all its files: outputs are content-addressed, and a
   job repeating an earlier seed would find them stored already and skip the writes the plain loop does),
   and times it from the launch request until the job row says it finished (planning, every chunk, every
   output written to storage and the database, the version switched to ready). Workers start before the
   clock, as they run all the time in production.
3. In the same run, just before and just after each job: the plain loop with as many processes
   (multiprocessing, spawned) over the same stored files, each read, decoded, put through `A.Compose` built from
   the pipeline's Albumentations export (identical parameters) with its boxes, encoded as JPEG at the quality
   jobs use, and written as a new file in a folder of its own: every pass starts with an empty folder, as the
   job writes every output as a new file (on this machine's disk creating a file costs up to 0.9 ms, while
   overwriting the previous pass's file costs 0.02 ms, so a second pass into the same folder would measure a
   cheaper loop than anybody runs). Pool start-up is not timed, as worker start-up is not. The job is compared
   with the mean of the two loops around it, so load that drifts on a shared machine weighs on both arms alike; with
   --rounds R, each figure is the median over rounds (ratios are medians of the per-round ratios).

BENCH_TIMELINE=1 also prints when each chunk started and how long it took.
OpenCV runs single-threaded in both arms (one process per core; jobs' workers do this at process start).
The last line of stdout is JSON:
{"job_per_s": {"1": ..., "2": ...}, "raw_loop_per_s": {"1": ..., "2": ...}, "ratio_1": ..., "ratio_2": ...}
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import cv2  # noqa: E402
from augment import PIPELINE, make_dataset  # noqa: E402  (bench/augment.py: same images, same pipeline)

UPLOAD_BATCH = 100
READY_TIMEOUT_S = 60.0
JOB_TIMEOUT_S = 3600.0
POLL_S = 0.02
JPEG_QUALITY = 95  # what jobs write for JPEG sources (augmentation/services/samples.py)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- environment ----------------------------------------------------------------------------------------


def database_urls(base: str, name: str) -> tuple[str, str]:
    """(maintenance URL on the `postgres` database, URL of the bench database)."""
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path="/postgres")), urlunparse(parsed._replace(path=f"/{name}"))


def run_sql(maintenance_url: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(maintenance_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def configure(database_url: str, redis_url: str, data_dir: Path, chunk_size: int | None) -> dict[str, str]:
    environment = {
        **({"AUGMENTATION_CHUNK_SIZE": str(chunk_size)} if chunk_size else {}),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TANDEM_DATA_DIR": str(data_dir),
        "MEDIA_ROOT": str(data_dir / "media"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "STATIC_FROM_SOURCE": "1",
        "DATABASE_CONN_MAX_AGE": "60",
        "NO_ALBUMENTATIONS_UPDATE": "1",
    }
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return {**os.environ, **environment}


# --- setting up the project -------------------------------------------------------------------------------


def set_up_project(items: list[tuple[str, list[list[float]], list[int]]]) -> tuple[Any, Any, Any]:
    """Migrate, then make a user and a project, upload the images through the API and annotate them."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from labeling.models import Annotation, AnnotationStatus, Region
    from projects.models import Item, ItemStatus
    from projects.services import create_project

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=secrets.token_urlsafe(16))
    project = create_project(
        user=user,
        name="augment bench",
        kinds=["bbox"],
        classes=[{"name": f"class{index}", "color": f"#{index * 40:02x}8040"} for index in range(5)],
    )
    client = APIClient()
    client.force_authenticate(user)
    started = time.perf_counter()
    for start in range(0, len(items), UPLOAD_BATCH):
        files = [
            SimpleUploadedFile(Path(path).name, Path(path).read_bytes(), content_type="image/jpeg")
            for path, _, _ in items[start : start + UPLOAD_BATCH]
        ]
        response = client.post(
            f"/api/v1/projects/{project.pk}/uploads/", {"files": files, "split": "train"}, format="multipart"
        )
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.content[:500]!r}")
    log(f"uploaded {len(items)} images through the API in {time.perf_counter() - started:.1f} s")
    class_ids = list(project.classes.order_by("order").values_list("pk", flat=True))
    by_name = {item.original_name: item for item in Item.objects.filter(project=project)}
    annotations = [
        Annotation(project=project, item=by_name[Path(path).name], annotator=user, status=AnnotationStatus.ACCEPTED)
        for path, _, _ in items
    ]
    Annotation.objects.bulk_create(annotations, batch_size=1000)
    regions = [
        Region(
            annotation=annotation,
            kind="bbox",
            label_class_id=class_ids[label],
            key=f"b{index}",
            x=box[0],
            y=box[1],
            width=box[2] - box[0],
            height=box[3] - box[1],
            area=(box[2] - box[0]) * (box[3] - box[1]),
        )
        for annotation, (_, boxes, labels) in zip(annotations, items, strict=True)
        for index, (box, label) in enumerate(zip(boxes, labels, strict=True))
    ]
    Region.objects.bulk_create(regions, batch_size=5000)
    Item.objects.filter(project=project).update(status=ItemStatus.ACCEPTED)
    return user, project, client


def purge_queue() -> None:
    from config.celery_app import app

    app.control.purge()


# --- the job arm ------------------------------------------------------------------------------------------


def start_workers(environment: dict[str, str], processes: int, log_path: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING", "--pool=prefork",
        f"--concurrency={processes}", f"--hostname=bench-{os.getpid()}-{processes}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("wb") as output:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT_S
    from config.celery_app import app

    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited:\n{log_path.read_text(errors='replace')}")
        # Ready when every pool process answers a ping.
        replies = app.control.ping(timeout=0.5) or []
        if replies:
            return worker
    raise SystemExit(f"the worker did not start:\n{log_path.read_text(errors='replace')}")


def stop_workers(worker: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def time_job(client: Any, project: Any, pipeline_id: int, seed: int) -> tuple[float, dict[str, Any]]:
    """Seconds from the launch request until the job finished, and what it did.

    Each job gets a seed of its own: outputs are content-addressed, so a job repeating an earlier job's seed
    would find every output file already stored and skip the writes the plain loop does."""
    from augmentation.models import AugmentationJob
    from projects.progress import FINISHED

    started = time.perf_counter()
    launched_at = time.time()
    response = client.post(
        f"/api/v1/projects/{project.pk}/jobs/",
        {"pipeline": pipeline_id, "copies_per_item": 1, "include_originals": True, "seed": seed},
        format="json",
    )
    if response.status_code != 201:
        raise SystemExit(f"launch failed: {response.status_code} {response.content[:500]!r}")
    job_id = response.json()["id"]
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        status = AugmentationJob.objects.filter(pk=job_id).values_list("status", flat=True).get()
        if status in FINISHED:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} did not finish")
        time.sleep(POLL_S)
    elapsed = time.perf_counter() - started
    job = AugmentationJob.objects.get(pk=job_id)
    if os.environ.get("BENCH_TIMELINE"):
        for chunk in job.chunks.order_by("started_at"):
            log(
                f"  chunk {chunk.index:3d} +{chunk.started_at.timestamp() - launched_at:7.3f}s "
                f"to +{chunk.finished_at.timestamp() - launched_at:7.3f}s attempts {chunk.attempts}"
            )
        log(f"  finished +{job.finished_at.timestamp() - launched_at:7.3f}s")
    return elapsed, {
        "status": job.status,
        "done": job.done,
        "failed": job.failed,
        "chunks": job.plan.get("chunks"),
        # From the launch request until a worker began planning: the broker's share of the start.
        "start_delay_s": round(job.started_at.timestamp() - launched_at, 2) if job.started_at else None,
    }


# --- the plain Albumentations arm ------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _init_raw(output: str) -> None:
    import albumentations as A

    from augmentation.engine import export_albumentations

    cv2.setNumThreads(1)
    compose = A.from_dict(export_albumentations(PIPELINE))
    compose.set_random_seed(PIPELINE["seed"])
    _STATE["compose"] = compose
    _STATE["output"] = Path(output)


def _raw(batch: list[tuple[str, list[list[float]], list[int]]]) -> int:
    import numpy as np

    for path, boxes, labels in batch:
        data = np.frombuffer(Path(path).read_bytes(), dtype=np.uint8)
        # The flags jobs decode with (augmentation/services/samples.py: stored files are upright already).
        image = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION), cv2.COLOR_BGR2RGB)
        result = _STATE["compose"](image=image, bboxes=np.asarray(boxes, dtype=np.float32), labels=labels)
        ok, encoded = cv2.imencode(
            ".jpg", cv2.cvtColor(result["image"], cv2.COLOR_RGB2BGR), (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)
        )
        assert ok
        (_STATE["output"] / Path(path).name).write_bytes(encoded.tobytes())
    return len(batch)


def time_raw_loop(work: list[tuple[str, list[list[float]], list[int]]], processes: int, output: Path) -> float:
    """Seconds for the plain loop writing into `output`, a new folder (kept until the end of the run: deleting
    files makes the disk discard their blocks, which would slow whatever is timed next)."""
    output.mkdir(parents=True)
    batch = 8
    batches = [work[start : start + batch] for start in range(0, len(work), batch)]
    # Spawned, not forked: this process has broker and database threads by now, and a fork copies their
    # locks in whatever state they are (a child can then wait forever on a lock no thread will release).
    with multiprocessing.get_context("spawn").Pool(processes, _init_raw, (str(output),)) as pool:
        pool.map(_raw, [work[:1]] * processes, chunksize=1)  # warm up: imports and the first decode
        (output / Path(work[0][0]).name).unlink()  # the warm-up's file: the timed pass writes every file anew
        started = time.perf_counter()
        pool.map(_raw, batches, chunksize=1)
        return time.perf_counter() - started


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="images (default 1000)")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per setting; the median is kept")
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="items per chunk (default: AUGMENTATION_CHUNK_SIZE's default)"
    )
    arguments = parser.parse_args(argv)
    cv2.setNumThreads(1)

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (workers cannot share SQLite well).")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # A terminated bench still drops its database and folder (the `finally` below runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    name = f"tandem_bench_{os.getpid()}"
    maintenance_url, database_url = database_urls(base_url, name)
    folder = Path(tempfile.mkdtemp(prefix="tandem-augment-job-"))
    run_sql(maintenance_url, f'CREATE DATABASE "{name}"')
    try:
        environment = configure(database_url, redis_url, folder / "data", arguments.chunk_size)
        started = time.perf_counter()
        items = make_dataset(folder, arguments.n)
        log(f"generated {arguments.n} images in {time.perf_counter() - started:.1f} s")
        _, project, client = set_up_project(items)
        purge_queue()  # the upload's thumbnail messages: not part of what is measured

        from augmentation.services.pipelines import create_pipeline
        from projects.models import Item

        pipeline = create_pipeline(project=project, user=None, name="bench", config=PIPELINE)
        stored = {item.original_name: item.file.path for item in Item.objects.filter(project=project, source_item=None)}
        work = [(stored[Path(path).name], boxes, labels) for path, boxes, labels in items]

        job_rates: dict[str, list[float]] = {"1": [], "2": []}
        raw_rates: dict[str, list[float]] = {"1": [], "2": []}
        ratios: dict[str, list[float]] = {"1": [], "2": []}
        for round_index in range(arguments.rounds):
            for processes in (1, 2):
                key = str(processes)
                raw_folder = folder / f"raw-{round_index}-{processes}"
                before = len(work) / time_raw_loop(work, processes, raw_folder / "before")
                purge_queue()
                worker = start_workers(environment, processes, folder / f"worker-{processes}.log")
                try:
                    seed = PIPELINE["seed"] + 10 * round_index + processes
                    elapsed, outcome = time_job(client, project, pipeline.pk, seed)
                finally:
                    stop_workers(worker)
                    purge_queue()  # the finished job's thumbnail messages
                if outcome["status"] != "completed" or outcome["done"] != len(work):
                    raise SystemExit(f"the job did not complete cleanly: {outcome}")
                after = len(work) / time_raw_loop(work, processes, raw_folder / "after")
                # The raw loop runs just before and just after the job, and the job is compared with their mean:
                # on a shared machine, load that drifts during the run then weighs on both arms alike.
                raw_rate = (before + after) / 2
                job_rate = len(work) / elapsed
                raw_rates[key].append(raw_rate)
                job_rates[key].append(job_rate)
                ratios[key].append(job_rate / raw_rate)
                log(
                    f"round {round_index + 1}, {processes}p: job {job_rate:6.1f}/s, raw loop {before:6.1f} and "
                    f"{after:6.1f}/s -> ratio {ratios[key][-1]:.3f} ({outcome['chunks']} chunks, planning began "
                    f"{outcome['start_delay_s']} s after the launch)"
                )
        from django.db import connections

        connections.close_all()
    finally:
        try:
            run_sql(maintenance_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    job = {key: round(statistics.median(values), 1) for key, values in job_rates.items()}
    raw = {key: round(statistics.median(values), 1) for key, values in raw_rates.items()}
    summary = {
        "job_per_s": job,
        "raw_loop_per_s": raw,
        "ratio_1": round(statistics.median(ratios["1"]), 3),
        "ratio_2": round(statistics.median(ratios["2"]), 3),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
