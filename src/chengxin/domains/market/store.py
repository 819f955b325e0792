"""Moving Polars frames in and out of the database fast, in the caller's transaction.

``insert_frame``: ``COPY … FROM STDIN (FORMAT csv)`` fed by Polars' own CSV writer on PostgreSQL;
one ``executemany`` of ready-formatted tuples on SQLite (times as SQLAlchemy's SQLite dialect stores
them, ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC). ``fetch_frame`` reads the rows whose key is among some
values back as a typed frame, so an import can tell new rows from unchanged and changed ones.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import polars as pl
from psycopg.copy import QueuedLibpqWriter
from psycopg.errors import UniqueViolation
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from chengxin.db import column_defaults
from chengxin.domains.records.matching import among_many, pg_array_literal

CHUNK = 20_000  # values per lookup query
T = TypeVar("T")


def insert_frame(
    session: Session,
    table: Table,
    frame: pl.DataFrame,
    *,
    into: str | None = None,
    while_copying: Callable[[], T] | None = None,
) -> T | None:
    """Insert the frame's rows (with the table's client-side defaults) into ``table`` — or into
    ``into``, a staging table of the same columns. ``while_copying``: work to do meanwhile, returned
    (it must not use the connection): on PostgreSQL the rows go to the server from psycopg's writer
    thread while it runs, so the server's indexing and the work share the two cores; elsewhere it
    runs after the insert."""
    if frame.is_empty():
        return while_copying() if while_copying else None
    defaults = column_defaults(table, set(frame.columns))
    frame = frame.with_columns([pl.lit(v).alias(k) for k, v in defaults.items()])
    cols = list(frame.columns)
    name = into or table.name
    conn = session.connection()
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        buf = io.BytesIO()
        frame.write_csv(buf, include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f%z", null_value="")
        sql = f"COPY {name} ({', '.join(cols)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur:
            writer = QueuedLibpqWriter(cur) if while_copying else None
            with cur.copy(sql, writer=writer) as copy:
                copy.write(buf.getvalue())
                return while_copying() if while_copying else None
    sqlite_ready = frame.with_columns(
        [
            pl.col(c).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
            for c, t in frame.schema.items()
            if isinstance(t, pl.Datetime)
        ]
        + [pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean]
    )
    sql = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    raw.cursor().executemany(sql, sqlite_ready.iter_rows())
    return while_copying() if while_copying else None


def merge_frame(
    session: Session,
    table: Table,
    key: str,
    frame: pl.DataFrame,
    *,
    compare: Sequence[str],
    on_update: dict[str, Any] | None = None,
    known_new: bool = False,
) -> tuple[int, int]:
    """Insert the rows whose ``key`` is not stored, update those stored with a different value in one
    of ``compare`` (their other columns too, and ``on_update``), leave the rest; returns (inserted,
    updated). ``key`` is unique within the frame. Done in the database: the frame goes to a staging
    table (``COPY`` on PostgreSQL), then one ``INSERT … ON CONFLICT DO UPDATE … WHERE changed`` on
    PostgreSQL (each staged row probes the key's index once, whatever the planner thinks of the
    table's size); on SQLite an ``UPDATE … FROM`` and an ``INSERT … ON CONFLICT DO NOTHING`` — no
    stored row travels to Python. ``known_new``: the caller found none of the keys stored."""
    if frame.is_empty():
        return 0, 0
    conn = session.connection()
    stage = f"stage_{table.name}"
    postgres = conn.dialect.name == "postgresql"
    if postgres and (known_new or not any_stored(session, table, key, frame[key].to_list())):
        try:  # all new (a first import): straight in; a row someone stored meanwhile sends us the long way
            with session.begin_nested():
                insert_frame(session, table, frame)
            return frame.height, 0
        except UniqueViolation:  # raised by the driver's COPY; the savepoint is rolled back
            pass
    if postgres:
        conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT * FROM {table.name} WHERE false")
    else:
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT * FROM {table.name} WHERE 0")
        conn.exec_driver_sql(f"DELETE FROM {stage}")
    insert_frame(session, table, frame, into=stage)
    cols = [c.name for c in table.columns if c.name in frame.columns or c.name in column_defaults(table, set())]
    listed = ", ".join(cols)
    params: dict[str, Any] = {f"u{i}": value for i, value in enumerate((on_update or {}).values())}
    extra = [f"{col} = :u{i}" for i, col in enumerate(on_update or {})]
    if postgres:
        changed = " OR ".join(f"t.{c} IS DISTINCT FROM excluded.{c}" for c in compare) or "false"
        sets = [f"{c} = excluded.{c}" for c in frame.columns if c != key] + extra
        counts = session.execute(
            text(
                f"WITH m AS (INSERT INTO {table.name} AS t ({listed}) SELECT {listed} FROM {stage} "
                f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(sets)} WHERE {changed} "
                "RETURNING (t.xmax = 0) AS fresh) "  # xmax 0: the row was inserted, not updated
                "SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh) FROM m"
            ),
            params,
        ).one()
        return int(counts[0]), int(counts[1])
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in compare) or "false"
    sets = [f"{c} = s.{c}" for c in frame.columns if c != key] + extra
    updated = session.execute(
        text(f"UPDATE {table.name} AS t SET {', '.join(sets)} FROM {stage} s WHERE t.{key} = s.{key} AND ({changed})"),
        params,
    ).rowcount  # type: ignore[attr-defined]
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON
    inserted = conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {stage} WHERE true ON CONFLICT ({key}) DO NOTHING"
    ).rowcount
    return int(inserted or 0), int(updated or 0)


def any_stored(session: Session, table: Table, key: str, values: list[Any]) -> bool:
    """Whether any of ``values`` is a stored ``key`` (stops at the first found)."""
    if session.get_bind().dialect.name != "postgresql":
        return bool(fetch_frame(session, table, key, values, [key], {key: pl.String}).height)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    sql = f"SELECT 1 FROM {table.name} WHERE {key} IN (SELECT unnest(%s::text[])) LIMIT 1"
    with raw.cursor() as cur:
        cur.execute(sql, [pg_array_literal(values)])
        return cur.fetchone() is not None


def fetch_frame(
    session: Session, table: Table, key: str, values: Collection[Any], columns: Sequence[str], schema: dict[str, Any]
) -> pl.DataFrame:
    """The stored rows whose ``key`` is among ``values``: ``columns`` typed by ``schema``."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return _fetch_pg(session, table, key, values, columns, schema)
    model_col = table.c[key]
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(values), CHUNK):
        part = values[i : i + CHUNK]
        stmt = select(*[table.c[c] for c in columns]).where(among_many(session, model_col, part))  # type: ignore[arg-type]
        rows.extend(tuple(r) for r in session.execute(stmt))
    return pl.DataFrame(rows, schema={c: schema[c] for c in columns}, orient="row")


def _fetch_pg(
    session: Session, table: Table, key: str, values: list[Any], columns: Sequence[str], schema: dict[str, Any]
) -> pl.DataFrame:
    """``fetch_frame`` on PostgreSQL straight from the driver's cursor (psycopg makes the Python
    values; SQLAlchemy's per-row result handling cost more than the query in a bulk import). Times
    come back in the session's zone and are converted to UTC like ``UTCDateTime`` does."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    rows: list[tuple[Any, ...]] = []
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {key} IN (SELECT unnest(%s::text[]))"
    with raw.cursor() as cur:
        for i in range(0, len(values), CHUNK * 5):
            cur.execute(sql, [pg_array_literal(values[i : i + CHUNK * 5])])
            rows.extend(cur.fetchall())
    frame = pl.DataFrame(rows, schema={c: _loose(schema[c]) for c in columns}, orient="row")
    return frame.with_columns(
        [pl.col(c).dt.convert_time_zone("UTC") for c in columns if isinstance(schema[c], pl.Datetime)]
    ).cast({c: schema[c] for c in columns})


def _loose(dtype: Any) -> Any:
    return pl.Datetime("us", "UTC") if isinstance(dtype, pl.Datetime) else dtype
