"""Alembic environment: runs on the connection handed over by ``chengxin.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from chengxin.all_models import Base
from chengxin.db import include_object

config = context.config
target_metadata = Base.metadata



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
