"""``chengxin db …`` and ``chengxin serve``."""

from __future__ import annotations

import typer

from chengxin.cli.common import console, database
from chengxin.db import is_current, upgrade

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    db = database(migrate=False)
    upgrade(db, revision)
    console.print(f"数据库已升级 database at {revision} ({db.dialect})")


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
    workers: int = typer.Option(1, help="worker processes"),
) -> None:
    """Serve the web site and API (applies migrations to an empty database first)."""
    import uvicorn

    database()
    console.print(f"诚信 Chengxin serving at http://{host}:{port}  (API docs: /docs)")
    uvicorn.run("chengxin.asgi:app", host=host, port=port, workers=workers, log_level="warning", access_log=False)
