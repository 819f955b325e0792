"""Alembic environment: runs on the connection handed over by ``chengxin.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from chengxin.all_models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out what the migrations create by hand (SQLite's FTS5 search tables)."""
    return not (type_ == "table" and reflected and compare_to is None and (name or "").startswith("subject_name_fts"))


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run()
