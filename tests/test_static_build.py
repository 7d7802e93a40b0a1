"""`collectstatic` with the production storage: the Docker image runs it, and a module it cannot rewrite fails it."""

from __future__ import annotations

import json
import re

from django.core.management import call_command


def test_collectstatic_hashes_every_module_and_rewrites_their_imports(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "config.storage.StaticStorage"}}

    call_command("collectstatic", "--noinput", verbosity=0)

    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    modules = [name for name in paths if name.endswith(".js") and not name.startswith(("admin/", "rest_framework/"))]
    assert "frontend/api.js" in modules
    relative_import = re.compile(r"""\bfrom\s*["'](\.{1,2}/[^"']+)["']""")
    for name in modules:
        hashed = (tmp_path / paths[name]).read_text(encoding="utf-8")
        for target in relative_import.findall(hashed):
            # Every relative import names a hashed file that exists, so a browser never mixes versions.
            assert re.search(r"\.[0-9a-f]{12}\.js$", target), f"{name} imports {target} unhashed"
            assert (tmp_path / paths[name]).parent.joinpath(target).resolve().exists(), f"{name}: {target}"
