"""``chengxin db …`` and ``chengxin serve``."""

from __future__ import annotations

import os

import typer

from chengxin.cli.common import console, database
from chengxin.config import get_settings
from chengxin.db import is_current, maintain, upgrade
from chengxin.observability import prepare_multiprocess_metrics

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    db = database(migrate=False)
    upgrade(db, revision)
    console.print(f"数据库已升级 database at {revision} ({db.dialect})")


@app.command("maintain")
def maintain_cmd() -> None:
    """Refresh the database's statistics after a bulk load (VACUUM ANALYZE / ANALYZE)."""
    db = database()
    for statement in maintain(db):
        console.print(f"{db.dialect}: {statement}")


@app.command("status")
def status() -> None:
    """Say whether the database schema is current."""
    db = database(migrate=False)
    current = is_current(db)
    console.print("schema current" if current else "schema needs `chengxin db upgrade`")
    raise typer.Exit(0 if current else 1)


def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int | None = typer.Option(None, help="worker processes (default: CHENGXIN_WORKERS)"),
) -> None:
    """Serve the web site and API (applies migrations to an empty database first)."""
    import uvicorn

    settings = get_settings()
    database(settings)
    count = workers or settings.workers or os.cpu_count() or 1  # 0 = one per core
    if count > 1:
        prepare_multiprocess_metrics(settings)
    console.print(f"诚信 Chengxin serving at http://{host}:{port} with {count} worker(s)  (API docs: /docs)")
    uvicorn.run("chengxin.asgi:app", host=host, port=port, workers=count, log_level="warning", access_log=False)
