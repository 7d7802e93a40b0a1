"""Pipeline preview latency through the API: one 640x480 image with 10 boxes, 8 augmented copies.

    .venv/bin/python bench/preview.py [--runs 20]

Sets up a throwaway data directory (SQLite) and, with bench/augment_job.py's set-up, a project with one JPEG
from bench/augment.py's generator uploaded through the API and labelled with its 10 boxes, then asks the preview
endpoint (`POST /api/v1/projects/{id}/pipelines/preview/`) for 8 copies through bench/augment.py's 5-step
pipeline, --runs times after one warm-up call (imports, caches), each with a seed of its own. The request runs
in-process (DRF's test client): the figure is the server's work for one preview (reading and decoding the image,
the original and 8 outputs augmented, encoded and labelled), without the network.

Goal (issue 7): under a second for an image. The last line of stdout is JSON:
{"preview_8_copies_p50_ms": ..., "preview_8_copies_p95_ms": ..., "server_elapsed_p50_ms": ..., "runs": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

from augment import PIPELINE, make_dataset  # noqa: E402  (bench/augment.py: same images, same pipeline)

COPIES = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed previews (default 20)")
    arguments = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="tandem-preview-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        TANDEM_DATA_DIR=str(folder / "data"),
        MEDIA_ROOT=str(folder / "media"),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
        STATIC_FROM_SOURCE="1",
        CELERY_TASK_ALWAYS_EAGER="1",  # the upload's thumbnail task runs in the call, no worker needed
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    try:
        return measure(folder, arguments.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path, runs: int) -> int:
    from augment_job import set_up_project  # migrates, uploads through the API, labels (accepted)

    _, project, client = set_up_project(make_dataset(folder, 1))
    from projects.models import Item

    item = Item.objects.get(project=project)
    base = f"/api/v1/projects/{project.pk}"
    url = f"{base}/pipelines/preview/"
    walls, servers = [], []
    for run in range(runs + 1):
        body = {"config": {**PIPELINE, "seed": run}, "item": item.pk, "copies": COPIES}
        started = time.perf_counter()
        response = client.post(url, body, format="json")
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or len(response.data["items"][0]["outputs"]) != COPIES:
            raise SystemExit(f"preview failed: {response.status_code} {str(response.data)[:300]}")
        if run:  # the first call is the warm-up
            walls.append(elapsed_ms)
            servers.append(response.data["elapsed_ms"])

    walls.sort()
    print(
        json.dumps(
            {
                "preview_8_copies_p50_ms": round(statistics.median(walls), 1),
                "preview_8_copies_p95_ms": round(walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))], 1),
                "server_elapsed_p50_ms": round(statistics.median(servers), 1),
                "runs": len(walls),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
