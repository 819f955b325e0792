"""Shared CLI plumbing: settings, the migrated database, printing summaries and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from chengxin.config import Settings, get_settings
from chengxin.db import Database, ensure_current, open_database
from chengxin.errors import DomainError

console = Console(stderr=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])


def database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    settings = settings or get_settings()
    db = open_database(settings.effective_database_url(), settings.pool())
    if migrate:
        ensure_current(db)
    return db


def print_json_line(data: dict[str, Any]) -> None:
    """The one JSON object a ``--json`` run prints as its last line."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def handle_errors(fn: F) -> F:
    """Turn a DomainError into a clear message and its exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            console.print(f"[red]错误 {exc.code}[/red]: {exc.message_zh} — {exc.detail}")
            raise typer.Exit(exc.exit_code) from exc

    return wrapper  # type: ignore[return-value]
