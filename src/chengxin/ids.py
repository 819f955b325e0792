"""Bounded ids for API input: a database integer key, never a huge or negative number; a platform's code (a
rating id), never longer than its column."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2_147_483_647

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
PathCode = Annotated[str, Path(min_length=1, max_length=80)]  # a platform's id of a rating (``Code(80)``)
