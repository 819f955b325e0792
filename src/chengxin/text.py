"""Text fields from the outside world: no control characters (PostgreSQL refuses NUL, and no
legitimate name or purpose contains them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _printable(value: str) -> str:
    if any(not (ch.isprintable() or ch in " \t") for ch in value):
        raise ValueError("control characters are not allowed")
    return value


CleanText = Annotated[str, AfterValidator(_printable)]

# The same for a query-string parameter (a search text): FastAPI's ``pattern``.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
