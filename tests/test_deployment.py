"""The deployment files agree with the code: compose services, variables, health checks, the image, gunicorn."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "config" / "settings.py"
APPLICATION_SERVICES = ("web", "worker")
ENV_HELPERS = {"env_bool", "env_int", "env_list"}
# Read by django-storages / boto3 themselves rather than by config/settings.py.
READ_BY_LIBRARIES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _is_os_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and getattr(node.value, "id", None) == "os"


def variables_read_by_settings() -> set[str]:
    """Every name settings.py reads: os.environ.get("X"), os.environ["X"], os.getenv("X"), env_bool/int/list("X")."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text())):
        key = None
        if isinstance(node, ast.Call) and node.args:
            function = node.func
            is_helper = isinstance(function, ast.Name) and function.id in ENV_HELPERS
            is_environ_get = isinstance(function, ast.Attribute) and (
                (function.attr == "get" and _is_os_environ(function.value))
                or (function.attr == "getenv" and getattr(function.value, "id", None) == "os")
            )
            if is_helper or is_environ_get:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def environment_names(service: dict) -> set[str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):  # the "NAME=value" form
        return {entry.split("=", 1)[0] for entry in environment}
    return set(environment)


def docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0


def test_settings_parser_finds_the_variables_of_each_reading_style():
    names = variables_read_by_settings()
    # One name per style settings.py uses: os.environ.get, env_bool, env_int, env_list.
    assert {"DATABASE_URL", "DEBUG", "MAX_IMAGE_PIXELS", "ALLOWED_HOSTS"} <= names


def test_compose_defines_database_broker_web_and_worker_services():
    assert {"postgres", "redis", "web", "worker"} <= set(compose()["services"])


@pytest.mark.parametrize("service", APPLICATION_SERVICES)
def test_every_variable_given_to_an_application_service_is_one_settings_reads(service):
    unknown = environment_names(compose()["services"][service]) - variables_read_by_settings() - READ_BY_LIBRARIES
    assert not unknown, f"{service} sets variables config/settings.py never reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", APPLICATION_SERVICES)
def test_application_services_require_a_secret_key(service):
    secret = compose()["services"][service]["environment"]["SECRET_KEY"]
    assert secret.startswith("${SECRET_KEY:?"), "SECRET_KEY must fail compose when unset, not fall back to a default"


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_a_health_check(service):
    assert compose()["services"][service]["healthcheck"]["test"]


def test_web_health_check_probes_the_health_endpoint():
    assert "/healthz" in " ".join(compose()["services"]["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_application_images_are_built_from_the_platform_dockerfile(service):
    build = compose()["services"][service]["build"]
    assert build["dockerfile"] == "platform/Dockerfile"
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_web_and_worker_share_the_data_volume():
    mounts = [set(compose()["services"][service]["volumes"]) for service in APPLICATION_SERVICES]
    assert mounts[0] & mounts[1]


def test_web_waits_for_healthy_database_and_broker():
    depends_on = compose()["services"]["web"]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_image_runs_as_a_non_root_user():
    instructions = [line.split() for line in (ROOT / "platform" / "Dockerfile").read_text().splitlines()]
    users = [words[1] for words in instructions if words and words[0] == "USER"]
    assert users and users[-1] not in {"root", "0"}


def test_env_example_names_only_known_variables():
    compose_text = COMPOSE_FILE.read_text()
    known = variables_read_by_settings() | READ_BY_LIBRARIES
    for line in (ROOT / "platform" / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            # A name either reaches settings or is substituted into docker-compose.yml (ports, passwords).
            assert name in known or "${" + name in compose_text, name


@pytest.mark.skipif(
    not docker_compose_available(), reason="the docker compose plugin is not installed (`docker compose version` fails)"
)
def test_docker_compose_accepts_the_file_when_a_secret_key_is_set():
    environment = {**os.environ, "SECRET_KEY": "compose-config-check-" + "x" * 30}
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    not docker_compose_available(), reason="the docker compose plugin is not installed (`docker compose version` fails)"
)
def test_docker_compose_refuses_the_file_without_a_secret_key(tmp_path):
    environment = {name: value for name, value in os.environ.items() if name != "SECRET_KEY"}
    empty_env_file = tmp_path / "empty.env"  # so a developer's .env cannot supply the key
    empty_env_file.write_text("")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "--env-file", str(empty_env_file), "config", "--quiet"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_gunicorn_accepts_its_configuration():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "platform/gunicorn.conf.py", "--check-config", "config.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_readme_documents_every_variable_settings_reads():
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in variables_read_by_settings() if f"`{name}`" not in readme)
    assert not undocumented, f"README.md's configuration section lacks {undocumented}"


def test_platform_folder_is_not_a_python_package():
    assert not list((ROOT / "platform").rglob("__init__.py"))


def test_stdlib_platform_module_is_not_shadowed_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.system()); print(platform.__file__)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    system, module_file = result.stdout.split()
    assert system == os.uname().sysname
    assert not Path(module_file).resolve().is_relative_to(ROOT)
