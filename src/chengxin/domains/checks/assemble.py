"""A large check's identifier results, column-wise: thousands of subjects looked up, given their measures
and written as JSON by Polars, not one Python dict each.

A result is the same function of (the subject, the standing's measures) either way; ``service`` builds a
small check's results one by one (cheaper below ``COLUMNAR_FROM`` identifiers) and this module a large
one's, and a test answers the same check both ways. Subjects changed since the standing index's base
was built (its overlay) and names or errors are answered one by one here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from chengxin.db import EncodedJSON
from chengxin.domains.checks import rules
from chengxin.domains.checks.standing import REACHES_RELATED, StandingIndex
from chengxin.domains.subjects.names import mask_person_name

COLUMNAR_FROM = 200  # identifiers in a check

_MEASURE = pl.Struct(
    {
        "code": pl.String,
        "text": pl.String,
        "action": pl.String,
        "kind": pl.String,
        "reason": pl.String,
        "basis": pl.String,
        "implementer": pl.String,
        "reaches_related": pl.Boolean,
    }
)
_RELATED = pl.Struct({"name": pl.String, "role": pl.String, "measures": pl.List(_MEASURE)})


class Wanted(NamedTuple):
    """An identifier to look up: the item's index, the way (uscc, ric), the key, the query as echoed."""

    i: int
    way: str
    key: str
    query: str


@dataclass
class Assembled:
    """The identifier items answered column-wise: each item's result as JSON, and its log outcome."""

    results: pl.DataFrame  # i, json
    outcome: pl.DataFrame  # i, subject_id, decision, measures
    hits: int
    found: set[str]  # the keys that matched a subject (the others may be malformed after all)
    one_by_one: list[Wanted]  # changed since the base: for the caller to answer one by one


def assemble(
    index: StandingIndex,
    wanted: Sequence[Wanted],
    standing_of: Callable[[frozenset[str], str | None, frozenset[str], bool], Any],
) -> Assembled:
    """``standing_of(lists, grade, records, related)`` → the standing's hits, measures, codes, lists and
    decision (``service._Standing``)."""
    frames: list[pl.DataFrame] = []
    one_by_one: list[Wanted] = []
    found: set[str] = set()
    overlay = pl.Series(list(index.overlay), dtype=pl.Int64)
    for way in ("uscc", "ric"):
        some = [w for w in wanted if w.way == way]
        if not some:
            continue
        positions = index.base.positions(way, [w.key for w in some])
        hit = positions >= 0
        picked = index.base.frame.select(pl.all().gather(positions[hit]))
        chosen = [w for w, h in zip(some, hit.tolist(), strict=True) if h]
        picked = picked.with_columns(
            i=pl.Series([w.i for w in chosen], dtype=pl.Int64),
            match=pl.lit(way),
            query=pl.Series([w.query for w in chosen], dtype=pl.String),
        )
        again: set[int] = set()
        if index.overlay:
            again = set(picked.filter(pl.col("id").is_in(overlay.implode()))["i"].to_list())
            picked = picked.filter(~pl.col("i").is_in(list(again)))
        frames.append(picked)
        added = index.by_uscc if way == "uscc" else index.by_ric
        one_by_one += [w for w, h in zip(some, hit.tolist(), strict=True) if w.i in again or (not h and w.key in added)]
        found.update(w.key for w in chosen if w.i not in again)
    base = pl.concat(frames) if frames else index.base.frame.clear()
    if base.is_empty():
        empty = pl.DataFrame(schema={"i": pl.Int64, "json": pl.String})
        return Assembled(empty, _outcome_schema(), 0, found, one_by_one)
    standings = _standings(index, base, standing_of)
    base = base.with_columns(grade_key=pl.col("grade").fill_null("")).join(
        standings, on=["standing", "grade_key"], how="left"
    )
    related = _related(index, base, standing_of)
    base = base.join(related, on="i", how="left").with_columns(
        pl.col("related_persons").fill_null(pl.lit([], dtype=pl.List(_RELATED)))
    )
    shown = pl.when(pl.col("kind") == "legal").then(pl.col("name")).otherwise(pl.col("masked"))
    base = base.with_columns(masked=_masked(base))
    body = pl.struct(
        index="i",
        match="match",
        subject=pl.struct("id", "kind", name=shown, uscc="uscc"),
        candidates=pl.lit([], dtype=pl.List(pl.Null)),
        lists="lists",
        grade="grade",
        decision="decision",
        measures="measures",
        related_persons="related_persons",
        error=pl.lit(None),
    ).struct.json_encode()
    query = pl.struct(q="query").struct.json_encode().str.slice(5)  # '{"q":' off: the value and "}"
    results = base.select(
        "i", json=pl.concat_str(pl.lit('{"query":{"'), "match", pl.lit('":'), query, pl.lit(","), body.str.slice(1))
    )
    outcome = base.select("i", subject_id="id", decision="decision", measures="codes")
    return Assembled(results, outcome, int(base["hits"].sum()), found, one_by_one)


def _outcome_schema() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"i": pl.Int64, "subject_id": pl.Int64, "decision": pl.String, "measures": pl.List(pl.String)}
    )


def _standings(index: StandingIndex, base: pl.DataFrame, standing_of: Callable[..., Any]) -> pl.DataFrame:
    """One row per distinct (standing, grade) among the found: its lists, decision, measures."""
    rows = []
    for code, grade in base.select("standing", "grade").unique().iter_rows():
        lists, records = index.base.codes[code]
        st = standing_of(lists, grade, records, False)
        rows.append((code, grade or "", st.lists, st.decision, st.measures, st.codes, len(st.codes)))
    schema: dict[str, pl.DataType] = {
        "standing": pl.Int32(),
        "grade_key": pl.String(),
        "lists": pl.List(pl.String),
        "decision": pl.String(),
        "measures": pl.List(_MEASURE),
        "codes": pl.List(pl.String),
        "hits": pl.Int64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _related(index: StandingIndex, base: pl.DataFrame, standing_of: Callable[..., Any]) -> pl.DataFrame:
    """The legal representative of each listed (black, watch) legal person, with the measures reaching them."""
    reaching = [c for c, (lists, _) in enumerate(index.base.codes) if lists & REACHES_RELATED]
    them = base.filter(
        pl.col("kind") == "legal", pl.col("legal_representative").is_not_null(), pl.col("standing").is_in(reaching)
    )
    rows = []
    for i, code, name, rep in them.select("i", "standing", "name", "legal_representative").iter_rows():
        lists, records = index.base.codes[code]
        hits = rules.as_related(standing_of(lists, None, records, True).hits, name)
        rows.append((i, [{"name": rep, "role": "法定代表人", "measures": [h.as_dict() for h in hits]}]))
    return pl.DataFrame(rows, schema={"i": pl.Int64, "related_persons": pl.List(_RELATED)}, orient="row")


def _masked(base: pl.DataFrame) -> pl.Series:
    """A person's name masked (the legal persons' are left as they are)."""
    natural = base["kind"] == "natural"
    masked = [mask_person_name(n) for n in base["name"].filter(natural).to_list()]
    return base["name"].scatter(np.flatnonzero(natural.to_numpy()), masked) if masked else base["name"]


def encoded(rows: list[tuple[int, bytes]]) -> pl.DataFrame:
    """Results answered one by one (i, their JSON), to merge with the column-wise ones."""
    return pl.DataFrame(
        {"i": [i for i, _ in rows], "json": [b.decode() for _, b in rows]}, schema={"i": pl.Int64, "json": pl.String}
    )


def outcome(parts: list[pl.DataFrame]) -> tuple[EncodedJSON, dict[str, int]]:
    """The log's outcome per item in item order, as JSON text, and the items per decision."""
    merged = pl.concat(parts).sort("i")
    text = merged.select(pl.struct(pl.all()).struct.json_encode().str.join(",")).item()
    return EncodedJSON(f"[{text}]"), dict(merged.group_by("decision").len().iter_rows())


def array(parts: list[pl.DataFrame]) -> bytes:
    """The results in item order, as one JSON array."""
    joined = pl.concat(parts).sort("i").select(pl.col("json").str.join(",").cast(pl.Binary))
    return b"[" + bytes(joined.item()) + b"]"  # bytes as Polars holds them: no Python str of megabytes
