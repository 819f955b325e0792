"""``db.bulk_insert`` on both databases: a few rows (one INSERT on PostgreSQL) and many (COPY) land the same —
JSON values as JSON, column defaults applied, a JSON column's None stored the same way whatever the number of
rows (PostgreSQL: SQL NULL, as COPY writes it; SQLite: SQLAlchemy's JSON ``null`` — the engines differ, as
they did before)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, select, text

from chengxin.db import COPY_FROM, Database, bulk_insert


def test_few_and_many_rows_land_alike(db: Database) -> None:
    table = Table("bulk_probe", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON),
                  Column("tag", String(10), default="d"))  # fmt: skip
    table.create(db.writer)
    sql_nulls = {}
    try:
        for size in (3, COPY_FROM + 10):
            rows = [{"id": size * 1000 + n, "doc": None if n % 2 else {"n": n, "s": "诚信"}} for n in range(size)]
            with db.writer.begin() as conn:
                bulk_insert(conn, table, rows)
            with db.reader.connect() as conn:
                got = conn.execute(select(table).where(table.c.id >= size * 1000, table.c.id < size * 1000 + 1000))
                assert [(r.id, r.doc, r.tag) for r in got] == [(r["id"], r["doc"], "d") for r in rows]
                nulls = conn.execute(text(f"SELECT count(*) FROM bulk_probe WHERE doc IS NULL AND id >= {size * 1000}"))
                sql_nulls[size] = nulls.scalar()
        assert sql_nulls == ({3: 1, COPY_FROM + 10: (COPY_FROM + 10) // 2} if db.dialect == "postgresql" else
                             {3: 0, COPY_FROM + 10: 0})  # fmt: skip
    finally:
        table.drop(db.writer)
