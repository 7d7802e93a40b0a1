"""Pipeline preview latency through the API: one 640x480 image with 10 boxes, 8 augmented copies.

    .venv/bin/python bench/preview.py [--runs 20]

Sets up a throwaway data directory (SQLite), migrates, creates a project, uploads one JPEG from
bench/augment.py's generator through the upload API and labels it with its 10 boxes through the
annotation API (submitted), then asks the preview
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
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from projects.models import Item
    from projects.services import create_project

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=secrets.token_urlsafe(16))
    project = create_project(
        user=user,
        name="preview bench",
        kinds=["bbox"],
        classes=[{"name": f"class{index}", "color": f"#{index * 40:02x}8040"} for index in range(5)],
    )
    client = APIClient()
    client.force_authenticate(user)
    ((path, boxes, labels),) = make_dataset(folder, 1)
    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes(), content_type="image/jpeg")
    response = client.post(
        f"/api/v1/projects/{project.pk}/uploads/", {"files": [upload], "split": "train"}, format="multipart"
    )
    if response.status_code != 201:
        raise SystemExit(f"upload failed: {response.status_code} {response.content[:300]!r}")
    item = Item.objects.get(project=project)
    class_ids = list(project.classes.order_by("order").values_list("pk", flat=True))
    regions = [
        {
            "kind": "bbox",
            "label_class": class_ids[label],
            "x": box[0],
            "y": box[1],
            "width": box[2] - box[0],
            "height": box[3] - box[1],
        }
        for box, label in zip(boxes, labels, strict=True)
    ]
    base = f"/api/v1/projects/{project.pk}"
    labelled = client.put(f"{base}/items/{item.pk}/regions/", {"regions": regions}, format="json")
    submitted = client.post(
        f"{base}/annotations/{labelled.data.get('id')}/submit/", {}, format="json", HTTP_IF_MATCH=labelled.get("ETag")
    )
    if labelled.status_code != 201 or submitted.status_code != 200:
        raise SystemExit(f"labelling failed: {labelled.status_code} {submitted.status_code} {submitted.data}")

    url = f"{base}/pipelines/preview/"
    walls, servers = [], []
    for run in range(arguments.runs + 1):
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
