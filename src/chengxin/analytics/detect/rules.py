"""Detector settings (thresholds, weights, windows) from ``defaults.toml`` beside this module: one table
per detector, every field of its ``Settings`` and no other (a file with problems is refused, naming every
one of them). Pure data in, a frozen dataclass out; the detectors load theirs once, at import."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from chengxin.errors import UnusableInput

DEFAULTS = Path(__file__).with_name("defaults.toml")
T = TypeVar("T")


@functools.lru_cache(maxsize=4)
def _tables(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def load(cls: type[T], detector: str, path: Path | None = None) -> T:
    """The detector's ``Settings`` (a frozen dataclass) from its table; lists become tuples where the field's
    type is a tuple."""
    where = path or DEFAULTS
    try:
        table = _tables(where).get(detector)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UnusableInput(f"detection rules {where}: {exc}", code="detection_rules_invalid") from exc
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    problems = []
    if not isinstance(table, dict):
        problems.append(f"no table [{detector}]")
        table = {}
    problems += [f"[{detector}] {k}: missing" for k in fields if k not in table]
    problems += [f"[{detector}] {k}: unknown setting" for k in table if k not in fields]
    values = {k: _typed(v, str(fields[k].type)) for k, v in table.items() if k in fields}
    problems += [
        f"[{detector}] {k}: expected {fields[k].type}, got {table[k]!r}" for k, v in values.items() if v is None
    ]
    if problems:
        raise UnusableInput(f"detection rules {where}: " + "; ".join(problems), code="detection_rules_invalid")
    return cls(**values)


def _typed(value: Any, annotation: str) -> Any:
    """The TOML value as the field's type, or None when it is not one."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if annotation == "float":
        return float(value) if number else None
    if annotation == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if annotation.startswith("tuple"):
        ok = isinstance(value, list) and all(isinstance(v, list) and len(v) == 2 for v in value)
        return tuple(tuple(v) for v in value) if ok else None
    if annotation.startswith("dict"):
        ok = isinstance(value, dict) and all(isinstance(v, int | float) for v in value.values())
        return {k: float(v) for k, v in value.items()} if ok else None
    return value
