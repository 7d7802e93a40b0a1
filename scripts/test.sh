#!/usr/bin/env bash
# Run Tandem's whole test suite with pytest; extra arguments go to pytest (make test ARGS="-x tests/projects").
#
# Services are used when they are there and skipped with a reason when they are not:
# - Redis: REDIS_URL if set, else a Redis answering on 127.0.0.1:6379 (its database 15, emptied first).
# - PostgreSQL: DATABASE_URL if set (the whole suite then runs on it, as CI does). If it is unset the suite runs
#   on SQLite, and when PostgreSQL answers on 127.0.0.1:5432 a second pytest run repeats the tests marked
#   `integration` (a real Celery worker needs a database it can share, which SQLite's in-memory test database is
#   not) or `postgres` (row locks and other PostgreSQL behaviour).
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
export NO_ALBUMENTATIONS_UPDATE=1
LOCAL_REDIS_URL=redis://127.0.0.1:6379/15
LOCAL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_local

service_answers() {
    # Probe with the same client libraries the application uses; no psql/redis-cli needed.
    "$PYTHON" - "$1" "$2" <<'PY' >/dev/null 2>&1
import sys

kind, url = sys.argv[1], sys.argv[2]
if kind == "redis":
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).ping()
else:
    import dj_database_url
    import psycopg2

    db = dj_database_url.parse(url)
    connection = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"], connect_timeout=2)
    connection.autocommit = True
    with connection.cursor() as cursor:
        # pytest-django creates test_<name> but connects to <name> first; create it so it need not fall back.
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    connection.close()
PY
}

flush_local_redis() {
    "$PYTHON" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$LOCAL_REDIS_URL"
}

if [ -z "${REDIS_URL:-}" ]; then
    if service_answers redis "$LOCAL_REDIS_URL"; then
        flush_local_redis
        export REDIS_URL=$LOCAL_REDIS_URL
        echo "test.sh: using the local Redis at $REDIS_URL"
    else
        echo "test.sh: REDIS_URL is unset and no Redis answers on 127.0.0.1:6379; integration tests will be skipped"
    fi
fi

repeat_on_postgres=0
if [ -z "${DATABASE_URL:-}" ]; then
    if service_answers postgres "$LOCAL_DATABASE_URL"; then
        repeat_on_postgres=1
        echo "test.sh: the suite runs on SQLite, then its integration and postgres tests again on $LOCAL_DATABASE_URL"
    else
        echo "test.sh: DATABASE_URL is unset and no PostgreSQL answers on 127.0.0.1:5432; integration and postgres tests will be skipped"
    fi
fi

run_pytest() {
    "$PYTHON" -m pytest -p no:cacheprovider "$@"
}

run_pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
    # pytest's "no tests collected": a suite that ran nothing must not look like a pass.
    echo "test.sh: pytest collected no tests; treating that as a failure" >&2
    exit 5
fi

# Only after a green first run, so that the last line printed is always the summary of a run that counts.
if [ "$status" -eq 0 ] && [ "$repeat_on_postgres" = 1 ]; then
    # Messages the SQLite run queued name rows of another database; the worker must not see them.
    if [ "${REDIS_URL:-}" = "$LOCAL_REDIS_URL" ]; then flush_local_redis; fi
    DATABASE_URL=$LOCAL_DATABASE_URL run_pytest -m "integration or postgres" "$@"
    status=$?
    # 5 here only means the arguments selected no integration or postgres test.
    if [ "$status" -eq 5 ]; then
        status=0
    fi
fi
exit "$status"
