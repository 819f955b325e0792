"""Moving Polars frames in and out of the database fast, in the caller's transaction.

``insert_frame``: ``COPY … FROM STDIN (FORMAT csv)`` fed by Polars' own CSV writer on PostgreSQL;
one ``executemany`` of ready-formatted tuples on SQLite (times as SQLAlchemy's SQLite dialect stores
them, ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC). ``fetch_frame`` reads the rows whose key is among some
values back as a typed frame, so an import can tell new rows from unchanged and changed ones.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from chengxin.db import column_defaults
from chengxin.domains.records.matching import among_many

CHUNK = 20_000  # values per lookup query


def insert_frame(session: Session, table: Table, frame: pl.DataFrame, *, into: str | None = None) -> None:
    """Insert the frame's rows (with the table's client-side defaults) into ``table`` — or into
    ``into``, a staging table of the same columns."""
    if frame.is_empty():
        return
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
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        return
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


def merge_frame(
    session: Session,
    table: Table,
    key: str,
    frame: pl.DataFrame,
    *,
    compare: Sequence[str],
    on_update: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Insert the rows whose ``key`` is not stored, update those stored with a different value in one
    of ``compare`` (their other columns too, and ``on_update``), leave the rest; returns (inserted,
    updated). Done in the database: the frame goes to a staging table (``COPY`` on PostgreSQL), then
    one ``UPDATE … FROM`` and one ``INSERT … SELECT`` — no stored row travels to Python. The update
    comes first: the insert would leave the table's statistics saying it is much smaller than it is,
    and the planner would then scan it once per staged row."""
    if frame.is_empty():
        return 0, 0
    conn = session.connection()
    stage = f"stage_{table.name}"
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT * FROM {table.name} WHERE false")
    else:
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT * FROM {table.name} WHERE 0")
        conn.exec_driver_sql(f"DELETE FROM {stage}")
    insert_frame(session, table, frame, into=stage)
    if conn.dialect.name == "postgresql":  # temporary tables are never analysed by autovacuum
        conn.exec_driver_sql(f"ANALYZE {stage}")
    cols = [c.name for c in table.columns if c.name in frame.columns or c.name in column_defaults(table, set())]
    listed = ", ".join(cols)
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in compare) or "false"
    sets = [f"{c} = s.{c}" for c in frame.columns if c != key]
    params: dict[str, Any] = {}
    for i, (col, value) in enumerate((on_update or {}).items()):
        sets.append(f"{col} = :u{i}")
        params[f"u{i}"] = value
    updated = session.execute(
        text(f"UPDATE {table.name} AS t SET {', '.join(sets)} FROM {stage} s WHERE t.{key} = s.{key} AND ({changed})"),
        params,
    ).rowcount  # type: ignore[attr-defined]
    # ON CONFLICT rather than NOT EXISTS: the unique index decides, whatever the planner thinks of
    # the table's size ("WHERE true" keeps SQLite from reading ON as a join's)
    inserted = conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {stage} WHERE true ON CONFLICT ({key}) DO NOTHING"
    ).rowcount
    return int(inserted or 0), int(updated or 0)


def fetch_frame(
    session: Session, table: Table, key: str, values: Collection[Any], columns: Sequence[str], schema: dict[str, Any]
) -> pl.DataFrame:
    """The stored rows whose ``key`` is among ``values``: ``columns`` typed by ``schema``."""
    model_col = table.c[key]
    rows: list[tuple[Any, ...]] = []
    values = list(values)
    for i in range(0, len(values), CHUNK):
        part = values[i : i + CHUNK]
        stmt = select(*[table.c[c] for c in columns]).where(among_many(session, model_col, part))  # type: ignore[arg-type]
        rows.extend(tuple(r) for r in session.execute(stmt))
    return pl.DataFrame(rows, schema={c: schema[c] for c in columns}, orient="row")
