"""A large check's identifier results, column-wise: thousands of subjects looked up, given their measures
and written as JSON by Polars, not one Python dict each.

A result is the same function of (the subject, the standing's measures) either way; ``service`` builds a
small check's results one by one (cheaper below ``COLUMNAR_FROM`` identifiers) and this module a large
one's, and a test answers the same check both ways. Subjects changed since the standing index's base
was built (its overlay) and names or errors are answered one by one here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import polars as pl

from chengxin.db import EncodedJSON
from chengxin.domains.checks import rules
from chengxin.domains.checks.standing import StandingIndex
from chengxin.security.masking import mask_ric, show_person_names

COLUMNAR_FROM = 200  # identifiers in a check


class Wanted(NamedTuple):
    """An identifier to look up: the item's index, the way (uscc, ric), the key, the code as given in
    canonical shape, the query as echoed."""

    i: int
    way: str
    key: str
    code: str
    query: str


@dataclass
class Assembled:
    """The identifier items answered column-wise: each item's result as JSON, and its log outcome."""

    found: pl.DataFrame | None  # the subjects found column-wise, with their standing's measures
    outcome: pl.DataFrame  # i, subject_id, decision, measures
    hits: int
    one_by_one: list[Wanted]  # changed or registered since the base: for the caller to answer one by one
    unfound: list[Wanted]  # nobody has the key (malformed after all? for the caller to say)

    def results(self) -> pl.DataFrame:
        """(i, json) of each item answered column-wise (built when asked: the log may commit meanwhile)."""
        if self.found is None:
            return pl.DataFrame(schema={"i": pl.Int64, "json": pl.String})
        return _results(self.found)


USCC_SHAPE = r"^[0-9A-Z]{18}$"
RIC_SHAPE = r"^[0-9]{17}[0-9X]$"


def identify(items: Sequence[Mapping[str, Any]], blind: Callable[[str], str]) -> tuple[pl.DataFrame, list[int]]:
    """The items given by exactly one USCC or RIC already in canonical shape — the usual case — column-wise:
    (i, way, key, code, query; a RIC's key is its blind index ``blind(code)``, its query masked); and the
    indices of the other items, to be identified one by one (``service._identify``)."""
    columns = {k: [item.get(k) for item in items] for k in ("uscc", "ric", "name")}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)).with_row_index("i")

    def empty(c: str) -> pl.Expr:
        return pl.col(c).is_null() | (pl.col(c) == "")

    frame = frame.with_columns(
        pl.col("i").cast(pl.Int64),
        way=pl.when(pl.col("uscc").str.contains(USCC_SHAPE) & empty("ric") & empty("name"))
        .then(pl.lit("uscc"))
        .when(pl.col("ric").str.contains(RIC_SHAPE) & empty("uscc") & empty("name"))
        .then(pl.lit("ric")),
    )
    rest = frame.filter(pl.col("way").is_null())["i"].to_list()
    by_uscc = frame.filter(pl.col("way") == "uscc").select("i", "way", key="uscc", code="uscc", query="uscc")
    rics = frame.filter(pl.col("way") == "ric")
    by_ric = rics.select(
        "i",
        "way",
        key=pl.Series([blind(r) for r in rics["ric"].to_list()], dtype=pl.String),
        code="ric",
        query=pl.Series([mask_ric(r) for r in rics["ric"].to_list()], dtype=pl.String),  # never echoed
    )
    return pl.concat([by_uscc, by_ric]), rest


def assemble(
    index: StandingIndex,
    wanted: pl.DataFrame,
    standing_of: Callable[[frozenset[str], str | None, frozenset[str], bool], Any],
) -> Assembled:
    """``standing_of(lists, grade, records, related)`` → the standing's hits, measures, codes, lists and
    decision (``service._Standing``)."""
    frames: list[pl.DataFrame] = []
    one_by_one: list[Wanted] = []
    unfound: list[Wanted] = []
    overlay = pl.Series(list(index.overlay), dtype=pl.Int64)
    for way in ("uscc", "ric"):
        some = wanted.filter(pl.col("way") == way)
        if some.is_empty():
            continue
        positions = index.base.positions(way, some["key"].to_list())
        hit = pl.Series(positions >= 0)
        picked = index.base.frame.select(pl.all().gather(positions[positions >= 0]))
        picked = pl.concat([picked, some.filter(hit).select("i", match="way", query="query")], how="horizontal")
        changed: pl.DataFrame = some.clear()
        if index.overlay:
            again = picked.filter(pl.col("id").is_in(overlay.implode()))["i"]
            picked = picked.filter(~pl.col("i").is_in(again.implode()))
            changed = some.filter(pl.col("i").is_in(again.implode()))
        frames.append(picked)
        added = index.by_uscc if way == "uscc" else index.by_ric
        missing = some.filter(~hit)
        new = missing.filter(pl.col("key").is_in(list(added)))
        one_by_one += [Wanted(*row) for row in pl.concat([changed, new]).iter_rows()]
        unfound += [Wanted(*row) for row in missing.filter(~pl.col("key").is_in(list(added))).iter_rows()]
    base = pl.concat(frames) if frames else index.base.frame.clear()
    if base.is_empty():
        return Assembled(None, _outcome_schema(), 0, one_by_one, unfound)
    standings = _standings(index, base, standing_of)
    base = base.with_columns(grade_key=pl.col("grade").fill_null("")).join(
        standings, on=["standing", "grade_key"], how="left"
    )
    base = base.join(_related(index, base, standing_of), on="i", how="left")
    base = base.with_columns(shown=_shown(base))
    outcome = base.select("i", subject_id="id", decision="decision", measures="codes")
    return Assembled(base, outcome, int(base["hits"].sum()), one_by_one, unfound)


def _results(base: pl.DataFrame) -> pl.DataFrame:
    """(i, json) of the subjects found column-wise."""
    head = pl.struct(
        index="i",
        match="match",
        subject=pl.struct("id", "kind", name="shown", uscc="uscc"),
        candidates=pl.lit([], dtype=pl.List(pl.Null)),
        grade="grade",
        decision="decision",
        error=pl.lit(None),
    ).struct.json_encode()
    query = pl.struct(q="query").struct.json_encode().str.slice(5)  # '{"q":' off: the value and "}"
    # the parts shared by a standing (lists, measures) and a related person's are JSON already: spliced in
    results = base.select(
        "i",
        json=pl.concat_str(
            pl.lit('{"query":{"'), "match", pl.lit('":'), query, pl.lit(","), head.str.slice(1).str.head(-1),
            pl.lit(',"lists":'), "lists", pl.lit(',"measures":'), "measures",
            pl.lit(',"related_persons":'), pl.col("related_persons").fill_null("[]"), pl.lit("}"),
        ),
    )  # fmt: skip
    return results


def _outcome_schema() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"i": pl.Int64, "subject_id": pl.Int64, "decision": pl.String, "measures": pl.List(pl.String)}
    )


def _standings(index: StandingIndex, base: pl.DataFrame, standing_of: Callable[..., Any]) -> pl.DataFrame:
    """One row per distinct (standing, grade) among the found: its lists and measures (as JSON), decision."""
    rows = []
    for code, grade in base.select("standing", "grade").unique().iter_rows():
        lists, records = index.base.codes[code]
        st = standing_of(lists, grade, records, False)
        rows.append((code, grade or "", _json(st.lists), st.decision, _json(st.measures), st.codes, len(st.codes)))
    schema: dict[str, pl.DataType] = {
        "standing": pl.Int32(),
        "grade_key": pl.String(),
        "lists": pl.String(),
        "decision": pl.String(),
        "measures": pl.String(),
        "codes": pl.List(pl.String),
        "hits": pl.Int64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _related(index: StandingIndex, base: pl.DataFrame, standing_of: Callable[..., Any]) -> pl.DataFrame:
    """The legal representative of each listed (black, watch) legal person with the measures reaching them,
    as JSON."""
    reaching = [c for c, (lists, _) in enumerate(index.base.codes) if lists & rules.REACHES_RELATED]
    them = base.filter(
        pl.col("kind") == "legal", pl.col("legal_representative").is_not_null(), pl.col("standing").is_in(reaching)
    )
    rows = []
    for i, code, name, rep in them.select("i", "standing", "name", "legal_representative").iter_rows():
        lists, records = index.base.codes[code]
        shared = standing_of(lists, None, records, True).measures  # the reason names the enterprise:
        measures = [d | {"reason": rules.related_reason(name, d["reason"])} for d in shared]
        rows.append((i, _json([{"name": rep, "role": "法定代表人", "measures": measures}])))
    return pl.DataFrame(rows, schema={"i": pl.Int64, "related_persons": pl.String}, orient="row")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _shown(base: pl.DataFrame) -> pl.Series:
    """Each subject's name as a check shows it (``masking.show_name`` for the public: a person's masked —
    check answers go out in bulk, so they carry no more than the public sees): a legal person's as
    registered, the others' through the masking policy, all at once."""
    names = base["name"]
    others = (base["kind"] != "legal").arg_true()
    if others.is_empty():
        return names
    return names.scatter(others, pl.Series(show_person_names(names.gather(others).to_list()), dtype=pl.String))


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
