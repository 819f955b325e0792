"""Shared CLI plumbing: settings, the migrated database, printing summaries and errors."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, Protocol, TypeVar

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


class Rejected(Protocol):
    @property
    def row(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def detail(self) -> str: ...


def rejection_report(
    file: Path, report: Path | None, rejections: Sequence[Rejected], counts: dict[str, Any], *, quiet: bool
) -> None:
    """Write an import's rejected rows to ``FILE.rejected.csv`` (or ``report``) with row, code and
    reason, name it in ``counts`` and show the first ten; with no rejection, remove a report an
    earlier run left (it would mislead)."""
    path = report or file.with_name(file.name + ".rejected.csv")
    if not rejections:
        path.unlink(missing_ok=True)
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "code", "detail"])
        w.writerows([r.row, r.code, r.detail] for r in rejections)
    counts["report"] = str(path)
    if not quiet:
        console.print(f"[yellow]{len(rejections)} 行被拒绝 rejected[/yellow] (first 10; all in {path}):")
        for r in rejections[:10]:
            console.print(f"  row {r.row}: {r.code} — {r.detail}")
