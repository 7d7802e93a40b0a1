"""Labelling editor benchmark in a real Chromium (Playwright, Debian's /usr/bin/chromium).

    .venv/bin/python bench/ui.py [--boxes 1000] [--runs 5] [--drag-steps 120]

It seeds a throwaway data directory (SQLite) with one 1280x960 image carrying an annotation of 1,000
boxes, starts gunicorn on a free local port, logs in and measures:

- render (`render_1000_ms`): the editor's own work to show the item, from the moment its data is in the
  page (annotation JSON parsed, image decoded: the `editor:data` mark) to the first frame that shows the
  image, all boxes and the region list (`editor:painted`); the median of --runs openings with a warm
  browser cache, as an annotator moving between items. `open_item_ms` is the whole opening, from the
  navigation's start, with the server's answers on this machine (SQLite, gunicorn) included.
- drag (`drag_frame_p95_ms`): a selected box dragged across the image with the mouse; the main-thread
  work each frame costs (the pointer events handled since the previous frame plus drawing all boxes, as
  the stage times them) at the 95th percentile.

The last line printed is JSON: {"render_1000_ms": ..., "drag_frame_p95_ms": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "bench-password-0123456789"

SEED = r"""
import hashlib, io, json, random, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image
from labeling.models import Annotation, Assignment, AssignmentStatus, Region
from projects import services
from projects.models import Item, ItemKind, VersionItem
from projects.selectors import default_dataset, working_version

boxes, password = int(sys.argv[1]), sys.argv[2]
call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user("bench", password=password)
project = services.create_project(
    user=user, name="bench", kinds=["bbox"],
    classes=[{"name": "car", "color": "#e6194b", "hotkey": "c"}, {"name": "person", "color": "#3cb44b", "hotkey": "p"}],
)
width, height = 1280, 960
noise = Image.effect_noise((width, height), 60).convert("RGB")
buffer = io.BytesIO()
noise.save(buffer, format="PNG")
data = buffer.getvalue()
digest = hashlib.sha256(data).hexdigest()
dataset = default_dataset(project)
item = Item(project=project, dataset=dataset, kind=ItemKind.IMAGE, original_name="bench.png", sha256=digest,
            width=width, height=height)
item.file.save(f"{digest}.png", ContentFile(data), save=False)
item.save()
VersionItem.objects.create(version=working_version(dataset), item=item)
Assignment.objects.create(project=project, item=item, user=user, status=AssignmentStatus.ASSIGNED)
annotation = Annotation.objects.create(project=project, item=item, annotator=user)
classes = list(project.classes.values_list("pk", flat=True))
rng = random.Random(7)
regions = []
for index in range(boxes):
    w, h = rng.uniform(10, 120), rng.uniform(10, 120)
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    regions.append(Region(annotation=annotation, label_class_id=classes[index % 2], kind="bbox", key=f"b{index}",
                          x=x, y=y, width=w, height=h, area=w * h))
Region.objects.bulk_create(regions)
print(json.dumps({"project": project.pk, "item": item.pk}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def wait_for(url: str, seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server at {url} did not start.")


def measure(base: str, project: int, item: int, runs: int, drag_steps: int, screenshot: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("bench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        url = f"{base}/projects/{project}/items/{item}/label/"
        page.goto(url)  # warms the browser cache (scripts, styles, the image)
        page.wait_for_selector("#editor[data-ready=true]")

        totals, after_data = [], []
        for _ in range(runs):
            page.goto(url)
            page.wait_for_selector("#editor[data-ready=true]")
            page.wait_for_function("performance.getEntriesByName('editor:painted').length > 0")
            marks = page.evaluate(
                "() => Object.fromEntries(['editor:data', 'editor:painted'].map("
                "name => [name, performance.getEntriesByName(name)[0].startTime]))"
            )
            rows = page.locator(".region-row").count()
            assert rows > 0, "the region list is empty"
            totals.append(marks["editor:painted"])
            after_data.append(marks["editor:painted"] - marks["editor:data"])
        regions = page.evaluate("window.tandemEditor.current.model.state.regions.length")
        if screenshot:
            page.screenshot(path=screenshot)

        # Drag one box with the select tool: every pointer move redraws all boxes.
        page.keyboard.press("v")
        box = page.evaluate(
            """() => {
                const editor = window.tandemEditor.current.editor;
                const region = editor.state.regions[0];
                const rect = editor.stage.canvas.getBoundingClientRect();
                editor.select([region.key]);
                return {x: rect.left + editor.stage.toScreenX(region.x + region.width / 2),
                        y: rect.top + editor.stage.toScreenY(region.y + region.height / 2)};
            }"""
        )
        page.evaluate("window.tandemEditor.current.editor.stage.frameTimes.length = 0")
        page.mouse.move(box["x"], box["y"])
        page.mouse.down()
        for step in range(1, drag_steps + 1):
            page.mouse.move(box["x"] + step * 2, box["y"] + step)
            page.wait_for_timeout(8)
        page.mouse.up()
        frame_times = page.evaluate("window.tandemEditor.current.editor.stage.frameTimes.slice()")
        moved = page.evaluate("window.tandemEditor.current.model.history.done.length")
        browser.close()
    return {
        "render_1000_ms": round(statistics.median(after_data), 1),
        "drag_frame_p95_ms": round(percentile(frame_times, 0.95), 2),
        "open_item_ms": round(statistics.median(totals), 1),
        "drag_frame_median_ms": round(statistics.median(frame_times), 2),
        "drag_frames": len(frame_times),
        "regions": regions,
        "drag_recorded_as_one_edit": moved == 1,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boxes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drag-steps", type=int, default=120)
    parser.add_argument("--screenshot", help="Save a picture of the editor with every box here (PNG).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-ui-") as data_dir:
        env = {
            **os.environ,
            "TANDEM_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{data_dir}/db.sqlite3",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DEBUG": "0",
            "STATIC_FROM_SOURCE": "1",
            "SECURE_COOKIES": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("REDIS_URL", None)
        seeded = subprocess.run(
            [PYTHON, "-c", SEED, str(args.boxes), PASSWORD],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/login/")
            result = measure(base, ids["project"], ids["item"], args.runs, args.drag_steps, args.screenshot)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(
        f"opening an item with {result['regions']} boxes: first full frame {result['render_1000_ms']} ms after its "
        f"data arrived ({result['open_item_ms']} ms from the navigation's start)"
    )
    print(
        f"dragging a box: {result['drag_frames']} frames, {result['drag_frame_p95_ms']} ms per frame at p95 "
        f"(median {result['drag_frame_median_ms']} ms)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
