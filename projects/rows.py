"""Writing many rows of one model from plain values, without a model instance per row.

`bulk_create` builds and prepares a model per row (about 15 µs each) and sends one multi-row INSERT, which
PostgreSQL must parse with every value in it. Uploads with labels, imports and augmentation outputs write
ten or more rows per item, so they go through `insert_rows` instead: on PostgreSQL one `COPY ... FROM STDIN`
per call (no statement to parse: for a job's region rows about a quarter of the INSERT's time),
elsewhere multi-row INSERTs with the fields' own value preparation.

Rows are tuples in the order of `columns` (attnames: `item_id`, not `item`; the primary key may be among
them when the table's key is not generated). A concrete field not among the columns takes its default, as a
new instance would: `auto_now`/`auto_now_add` fields take the time of the call, the others
`field.get_default()`. Nothing is sent through signals, as with `bulk_create`.

With `return_ids`, the new primary keys come back in row order: on PostgreSQL they are drawn from the
table's sequence first and written with the rows, elsewhere they come from `INSERT ... RETURNING`.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

# COPY's text format: these characters are written as backslash escapes, NULL as \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *, return_ids: bool = False
) -> list[int]:
    """Insert `rows` (tuples in the order of `columns`) into `model`'s table; returns the new ids when asked."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    unknown = [name for name in columns if name not in _columns(model)]
    if unknown:
        raise TypeError(f"not {model.__name__} fields: {', '.join(unknown)}")
    if len(set(columns)) != len(columns):
        raise TypeError(f"a column is named twice: {', '.join(columns)}")
    width = len(columns)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row of {model.__name__} has {len(row)} values for {width} columns")
    pk = model._meta.pk
    if return_ids and pk is not None and pk.attname in columns:
        raise TypeError("return_ids asks for new primary keys, but the rows give theirs")
    filled = [field for field in fields_of(model) if field.attname not in columns]
    now = timezone.now()
    constants = tuple(now if stamped(field) else field.get_default() for field in filled)
    names = [*columns, *(field.attname for field in filled)]
    converters = [_converter(model, name) for name in names]  # also refuses unsupported columns everywhere
    if connection.vendor == "postgresql":
        return _copy(model, names, converters, rows, constants, return_ids)
    return _insert(model, names, rows, constants, return_ids)


@functools.cache
def fields_of(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The concrete fields rows of `model` are written with: all but the primary key."""
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


def stamped(field: Field[Any, Any]) -> bool:
    """Whether the field takes the time of the write (`auto_now` / `auto_now_add`)."""
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


# --- PostgreSQL: COPY ------------------------------------------------------------------------------------


def _copy(
    model: type[Model],
    names: list[str],
    converters: list[Callable[[Any], str]],
    rows: list[Sequence[Any]],
    constants: tuple[Any, ...],
    return_ids: bool,
) -> list[int]:
    meta = model._meta
    width = len(names) - len(constants)
    tail = "".join("\t" + convert(value) for convert, value in zip(converters[width:], constants, strict=True))
    head = converters[:width]
    quote = connection.ops.quote_name
    ids: list[int] = []
    with connection.cursor() as cursor:
        if return_ids:
            pk = meta.pk
            assert pk is not None
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(meta.db_table), pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            names = [pk.attname, *names]
        buffer = io.StringIO()
        write = buffer.write
        prefixes = [f"{pk_value}\t" for pk_value in ids] if return_ids else itertools.repeat("", len(rows))
        for prefix, row in zip(prefixes, rows, strict=True):
            write(prefix + "\t".join([convert(value) for convert, value in zip(head, row, strict=True)]) + tail + "\n")
        buffer.seek(0)
        columns = _columns(model)
        column_list = ", ".join(quote(columns[name]) for name in names)
        # The table and columns come from the model, the values travel as COPY data.
        cursor.cursor.copy_expert(f"COPY {quote(meta.db_table)} ({column_list}) FROM STDIN", buffer)
    return ids


@functools.cache
def _columns(model: type[Model]) -> dict[str, str]:
    return {field.attname: field.column or field.attname for field in model._meta.concrete_fields}


_TEXT_FIELDS = frozenset(
    {"CharField", "TextField", "FileField", "ImageField", "SlugField", "EmailField", "URLField", "FilePathField"}
)
_INTEGER_FIELDS = frozenset(
    {
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "ForeignKey",
        "OneToOneField",
    }
)


@functools.cache
def _converter(model: type[Model], attname: str) -> Callable[[Any], str]:
    """Value -> COPY text for one column, prepared as the field would prepare it (float(), int(), JSON)."""
    field = next(field for field in model._meta.concrete_fields if field.attname == attname)
    kind = field.get_internal_type()
    if kind == "JSONField":
        encoder = getattr(field, "encoder", None)
        return lambda value: _NULL if value is None else json.dumps(value, cls=encoder).translate(_ESCAPES)
    if kind in _TEXT_FIELDS:
        return _text
    if kind == "FloatField":
        return _float
    if kind in _INTEGER_FIELDS:
        return _integer
    if kind == "BooleanField":
        return _boolean
    if kind in ("DateTimeField", "DateField"):
        return _timestamp
    raise TypeError(f"insert_rows cannot write {kind} columns ({model.__name__}.{field.name})")


# One call per value (millions per job): each converter handles None itself.
_NULL = "\\N"


def _text(value: Any) -> str:
    return _NULL if value is None else str(value).translate(_ESCAPES)


def _float(value: Any) -> str:
    return _NULL if value is None else repr(float(value))


def _integer(value: Any) -> str:
    return _NULL if value is None else str(int(value))


def _boolean(value: Any) -> str:
    return _NULL if value is None else ("t" if value else "f")


def _timestamp(value: datetime | date | None) -> str:
    if value is None:
        return _NULL
    if isinstance(value, datetime) and timezone.is_naive(value):
        raise ValueError("naive datetime: rows are written with time zones")
    return value.isoformat()


# --- other databases: INSERT ------------------------------------------------------------------------------


def _insert(
    model: type[Model], names: list[str], rows: list[Sequence[Any]], constants: tuple[Any, ...], return_ids: bool
) -> list[int]:
    meta = model._meta
    by_name = {field.attname: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    quote = connection.ops.quote_name
    columns = _columns(model)
    column_list = ", ".join(quote(columns[name]) for name in names)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    returning = ""
    if return_ids:
        if not connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError(f"{connection.vendor} cannot return the ids of a multi-row INSERT")
        assert meta.pk is not None
        returning = f" RETURNING {quote(columns[meta.pk.attname])}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            parameters: list[Any] = []
            for row in batch:
                for field, value in zip(fields, (*row, *constants), strict=True):
                    parameters.append(field.get_db_prep_save(value, connection))
            values = ", ".join([placeholder] * len(batch))
            cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({column_list}) VALUES {values}{returning}", parameters)  # noqa: S608
            if return_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids
