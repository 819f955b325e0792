"""Matching a record's party to a registered subject: by subject id, USCC or the RIC's blind
index — never by name alone (RULES.md: no punishment on a fuzzy name match)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from chengxin.db import json_dumps
from chengxin.domains.records.rules import Party, RecordRejected
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric, validate_uscc
from chengxin.domains.subjects.models import Subject
from chengxin.security.crypto import PiiCipher


def among(session: Session, column: InstrumentedAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with one parameter however many values (rendering and parsing
    thousands of IN parameters costs more than the query itself in a bulk import): an array with
    ``= ANY`` on PostgreSQL, a JSON list read by ``json_each`` elsewhere (SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(bindparam(None, pg_array_literal(values), type_=Text), ARRAY(column.type)))
    listed = func.json_each(json_dumps(list(values))).table_valued("value")
    return column.in_(select(listed.c.value))


def among_many(session: Session, column: InstrumentedAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` for many values, safe whatever plan the database picks: on PostgreSQL
    an ``IN (SELECT unnest(array))`` semi-join (hashed, or index probes), where ``= ANY(array)`` on a
    table with stale statistics turns into a sequential scan testing every row against the whole
    array — quadratic in a bulk import. Elsewhere the same as ``among``."""
    if session.get_bind().dialect.name == "postgresql":
        array = cast(bindparam(None, pg_array_literal(values), type_=Text), ARRAY(column.type))
        return column.in_(select(func.unnest(array)))
    return among(session, column, values)


def pg_array_literal(values: Collection[Any]) -> str:
    """A PostgreSQL array literal: integers as they are, anything else double-quoted with
    backslashes and quotes escaped (what the driver would send, without its per-element regular
    expression, which cost more than the query in a bulk import)."""
    if not values:
        return "{}"
    series = pl.Series(list(values), strict=False) if len(values) > 100 else None  # Polars pays off in bulk
    if series is not None and series.dtype == pl.String and series.null_count() == 0:  # the usual bulk case
        quoted = series.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
        return "{" + str(('"' + quoted + '"').str.join(",").item()) + "}"
    items = [
        str(v) if isinstance(v, int) else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values
    ]
    return "{" + ",".join(items) + "}"


@dataclass(frozen=True)
class Identity:
    """The identity a party was matched on, after validation."""

    uscc: str | None = None
    ric: str | None = None
    ric_index: str | None = None


def party_identity(party: Party, cipher: PiiCipher) -> Identity:
    """Validate the party's identifiers (a wrong check character rejects the row: a record is
    never attached on a mistyped code)."""
    try:
        uscc = validate_uscc(party.uscc).code if party.uscc else None
        ric = validate_ric(party.ric) if party.ric else None
    except IdentifierError as exc:
        raise RecordRejected(exc.code, exc.detail) from exc
    return Identity(uscc, ric, subject_service.ric_index(cipher, ric) if ric else None)


def match_subjects(session: Session, idents: Sequence[tuple[Party, Identity]]) -> list[tuple[int, str] | None]:
    ids = {p.subject_id for p, _ in idents if p.subject_id}
    usccs = {i.uscc for _, i in idents if i.uscc}
    rics = {i.ric_index for _, i in idents if i.ric_index}
    by_id: dict[int, tuple[int, str]] = {}
    by_uscc: dict[str, tuple[int, str]] = {}
    by_ric: dict[str, tuple[int, str]] = {}
    cols = (Subject.id, Subject.kind, Subject.uscc, Subject.ric_index)
    for where, values in ((Subject.id, ids), (Subject.uscc, usccs), (Subject.ric_index, rics)):
        if values:
            for sid, kind, uscc, ric_index in session.execute(select(*cols).where(among(session, where, values))):
                by_id[sid] = (sid, kind)
                if uscc:
                    by_uscc[uscc] = (sid, kind)
                if ric_index:
                    by_ric[ric_index] = (sid, kind)
    out: list[tuple[int, str] | None] = []
    for p, i in idents:
        hit = (
            (by_id.get(p.subject_id) if p.subject_id else None)
            or (by_uscc.get(i.uscc) if i.uscc else None)
            or (by_ric.get(i.ric_index) if i.ric_index else None)
        )
        out.append(hit)
    return out
