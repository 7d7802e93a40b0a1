# gunicorn settings for Tandem's web process: `gunicorn --config platform/gunicorn.conf.py config.wsgi:application`.
# Read by gunicorn as a file, never imported: platform/ has no __init__.py, so it cannot shadow the stdlib module.
# gunicorn's own variables still apply on top (WEB_CONCURRENCY for workers, GUNICORN_CMD_ARGS for anything else).
import multiprocessing
import os

# Inside a container the port is published by the orchestrator; `manage.py run_platform` passes --bind 127.0.0.1:PORT.
bind = ["0.0.0.0:8000"]

# Threads let one worker keep serving while another request streams a large upload to disk.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = 4

# A multi-gigabyte upload over a slow link takes minutes; the heavy work itself runs in Celery, not here.
timeout = 300
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so slow leaks (image decoders, for example) cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# Heartbeat files in memory: a container's overlay file system can stall them and get workers killed.
_SHARED_MEMORY = "/dev/shm"  # noqa: S108  (gunicorn's documented choice; only heartbeat files go there)
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
