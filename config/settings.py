"""Tandem settings: one module, every value read from the environment.

Embedded defaults run on one machine with no services (SQLite, Celery's filesystem broker).
Set DATABASE_URL / REDIS_URL to use PostgreSQL and Redis. See README.md for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("TANDEM_DATA_DIR", BASE_DIR / ".data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DEBUG=1 for local development."
        )
    # Debug only: a per-checkout key, never used outside a developer machine.
    SECRET_KEY = "insecure-debug-only-key-do-not-use-in-production"  # noqa: S105  (debug only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "projects",
    "labeling",
    "augmentation",
    "exchange",
    "experiments",
    "frontend",
]

MIDDLEWARE = [
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for the writer instead of failing at once when web and worker write together.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:project-list"
LOGOUT_REDIRECT_URL = "frontend:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"

# Storage: local files by default; any S3-compatible store (AWS, MinIO, R2) when STORAGE_BACKEND=s3,
# configured with the AWS_* variables django-storages reads (see README).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', got {STORAGE_BACKEND!r}.")
# Development and tests serve static files straight from the apps' folders; production serves the
# hashed, compressed copies `collectstatic` made (cache-busting names, gzip/brotli).
STATIC_FROM_SOURCE = env_bool("STATIC_FROM_SOURCE", DEBUG)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "config.storage.StaticStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE

# --- Services -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# Long tasks (augmentation chunks) must finish well inside Redis' visibility timeout, or Redis hands
# the same message to a second worker while the first still runs it.
CELERY_VISIBILITY_TIMEOUT_S = env_int("CELERY_VISIBILITY_TIMEOUT_S", 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT_S", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT_S", 900)
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT_S:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT_S must be below CELERY_VISIBILITY_TIMEOUT_S.")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Progress lives in database rows, never in task results.
CELERY_TASK_IGNORE_RESULT = True
# Long tasks: one message at a time per worker process, acknowledged after it ran, so a killed
# worker's message is delivered again instead of lost.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless this is set; with
# it a worker process keeps its connection for about this many tasks (config/celery_app.py drops a broken one
# before a task). A new PostgreSQL backend with cold caches costs some 20 ms per augmentation chunk.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "clean-orphan-files": {"task": "projects.clean_orphan_files", "schedule": 3600.0},
    # Export files past EXPORT_RETENTION_HOURS are deleted from storage.
    "delete-expired-exports": {"task": "exchange.delete_expired_exports", "schedule": 3600.0},
    # Augmentation chunks whose worker died without the broker redelivering them are queued again.
    "requeue-stalled-augmentation-chunks": {"task": "augmentation.requeue_stalled_chunks", "schedule": 300.0},
}
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_S,
        # A killed worker's unacknowledged message returns once it is older than the visibility timeout, at
        # the next sweep; sweep every 10 s rather than kombu's default of every 10th tick (~100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    _broker_dir = DATA_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # The filesystem transport reads and writes message files in one shared folder.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- Limits (each one a defence against a specific abuse or accident) ------------------------
# Images over this many pixels are refused from the header alone: a decompression bomb is a small
# file that decodes to gigabytes.
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 50_000_000)
# One request body; larger requests get 413 before Django reads them.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 2 * 1024**3)
# One uploaded file (image, text file, or archive).
MAX_UPLOAD_FILE_BYTES = env_int("MAX_UPLOAD_FILE_BYTES", 1024**3)
# Archives: total uncompressed size, entry count and per-entry compression ratio (zip bombs).
ARCHIVE_MAX_UNCOMPRESSED_BYTES = env_int("ARCHIVE_MAX_UNCOMPRESSED_BYTES", 8 * 1024**3)
ARCHIVE_MAX_ENTRIES = env_int("ARCHIVE_MAX_ENTRIES", 100_000)
ARCHIVE_MAX_RATIO = env_int("ARCHIVE_MAX_RATIO", 200)
# One text item: long enough for a document, short enough that the editor stays responsive.
TEXT_ITEM_MAX_CHARS = env_int("TEXT_ITEM_MAX_CHARS", 100_000)
# JSON bodies of ordinary API calls (annotations, schemas).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_JSON_BODY_BYTES", 5 * 1024**2)
# Files above this are spooled to disk during upload instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("MAX_FILES_PER_REQUEST", 5000)
THUMBNAIL_SIZE = env_int("THUMBNAIL_SIZE", 256)
# Files in storage with no database row older than this are orphans from interrupted uploads.
ORPHAN_FILE_GRACE_S = env_int("ORPHAN_FILE_GRACE_S", 6 * 3600)

# --- Annotations (labeling app) ---------------------------------------------------------------
# One annotation request (regions and a time report, or a mask PNG): larger bodies answer 413 before
# any parsing, so a runaway client cannot make a worker parse megabytes of JSON.
ANNOTATION_MAX_BODY_BYTES = env_int("ANNOTATION_MAX_BODY_BYTES", 10 * 1024**2)
# One predictions import, which carries many items' regions in one request.
PREDICTION_IMPORT_MAX_BODY_BYTES = env_int("PREDICTION_IMPORT_MAX_BODY_BYTES", 64 * 1024**2)
# JSON nested deeper than this is refused with 400 (no valid body needs more than 9 levels); deep
# nesting otherwise costs recursion in the parser and every walker after it.
ANNOTATION_MAX_JSON_DEPTH = env_int("ANNOTATION_MAX_JSON_DEPTH", 20)
# Regions in one annotation, points in one polygon ring, events in one time report.
ANNOTATION_MAX_REGIONS = env_int("ANNOTATION_MAX_REGIONS", 5000)
ANNOTATION_MAX_POLYGON_POINTS = env_int("ANNOTATION_MAX_POLYGON_POINTS", 20_000)
ANNOTATION_MAX_TIME_EVENTS = env_int("ANNOTATION_MAX_TIME_EVENTS", 10_000)
# Coordinates may lie this many pixels outside the image (a drag that ends just past the border) and
# are clipped to it; anything further out is an error.
ANNOTATION_COORDINATE_TOLERANCE_PX = float(os.environ.get("ANNOTATION_COORDINATE_TOLERANCE_PX") or 2.0)

# --- Augmentation ------------------------------------------------------------------------------
# Installed by `make run` / `make test` (scripts/install_wordnet.py); lives with the checkout, not the data.
NLTK_DATA = Path(os.environ.get("NLTK_DATA_DIR", BASE_DIR / ".data" / "nltk_data"))
# The LLM endpoint is set by the operator only, never by project users (no SSRF through the API).
LLM_BASE_URL = os.environ.get("LLM_BASE_URL", "")
LLM_API_KEY = os.environ.get("LLM_API_KEY", "")
LLM_MODEL = os.environ.get("LLM_MODEL", "")
LLM_TIMEOUT_S = env_int("LLM_TIMEOUT_S", 60)
# Source items per Celery task of an augmentation job: enough that the broker and database cost little per
# item, few enough that a killed worker redoes little (progress moves anyway: outputs are written every 0.5 s).
# A task costs about 15 ms of broker and database round trips whatever its size (bench/augment_job.py), some
# 8 % of a 50-item task of 640x480 images and 4 % of a 100-item one, which a killed worker redoes in 0.5 s.
AUGMENTATION_CHUNK_SIZE = env_int("AUGMENTATION_CHUNK_SIZE", 100)
# Outputs (items x copies) per task at most, so that a task of many copies stays far inside the soft time limit.
# Pipelines that call the LLM are cut finer still: each of their outputs may wait LLM_TIMEOUT_S for an answer,
# so their tasks hold at most CELERY_TASK_SOFT_TIME_LIMIT_S / (2 x LLM_TIMEOUT_S) outputs.
AUGMENTATION_CHUNK_MAX_OUTPUTS = env_int("AUGMENTATION_CHUNK_MAX_OUTPUTS", 500)
# A chunk runs at most this many times (worker killed, database gone); then its items fail with the reason,
# so a job never stays running because one chunk keeps crashing its worker.
AUGMENTATION_MAX_ATTEMPTS = env_int("AUGMENTATION_MAX_ATTEMPTS", 3)
# Copies one item may get in a job (copies per item, plus what class balancing adds).
AUGMENTATION_MAX_COPIES_PER_ITEM = env_int("AUGMENTATION_MAX_COPIES_PER_ITEM", 50)
# Previews shrink images to this longest side, which keeps 8 copies well under a second.
AUGMENTATION_PREVIEW_MAX_SIDE = env_int("AUGMENTATION_PREVIEW_MAX_SIDE", 768)
# Test only: seconds each augmented output sleeps, so the SIGKILL integration test can kill a worker mid-job.
AUGMENTATION_TEST_DELAY_S = float(os.environ.get("AUGMENTATION_TEST_DELAY_S") or 0)

# --- Export and import (exchange app) ------------------------------------------------------------
# Exports of at most this many items stream straight from the API (labels only): they take a few
# seconds at most, well inside a web worker's timeout. Larger ones (or `async`) run as a Celery job.
EXPORT_SYNC_MAX_ITEMS = env_int("EXPORT_SYNC_MAX_ITEMS", 20_000)
# With images the bytes, not the labels, take the time: fewer items stream directly.
EXPORT_SYNC_MAX_ITEMS_WITH_IMAGES = env_int("EXPORT_SYNC_MAX_ITEMS_WITH_IMAGES", 1_000)
# A finished export job's file is kept this long for download, then deleted by the beat task.
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 24)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("LOGIN_THROTTLE_RATE", "10/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Projects, uploads, annotations, augmentation jobs and exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several serializers have a `status` field over different choice sets: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "projects.progress.JobStatus",
        "AnnotationStatusEnum": "labeling.models.AnnotationStatus",
        "DatasetVersionStatusEnum": "projects.models.VersionStatus",
        "ImportedAnnotationStatusEnum": [("submitted", "Submitted"), ("accepted", "Accepted")],
        "ExperimentKindEnum": "experiments.models.ExperimentKind",
        "ModelFamilyEnum": "experiments.models.ModelFamily",
        "ExperimentSplitEnum": "experiments.services.plans.SPLITS",
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
