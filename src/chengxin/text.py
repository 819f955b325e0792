"""Text fields from the outside world: no control characters (PostgreSQL refuses NUL, and no
legitimate name or purpose contains them)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def _printable(value: str) -> str:
    """Refuse control characters (and lone surrogates); other spaces and invisible format characters —
    the full-width space U+3000, a no-break space, a zero-width space pasted with a name — are text."""
    if not value.isprintable() and any(unicodedata.category(ch) in ("Cc", "Cs") and ch != "\t" for ch in value):
        raise ValueError("control characters are not allowed")
    return value


CleanText = Annotated[str, AfterValidator(_printable)]

# The same for a query-string parameter (a search text): FastAPI's ``pattern``.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
