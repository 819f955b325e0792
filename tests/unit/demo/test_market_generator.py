"""The synthetic marketplace generator: contract shape, referential integrity, valid ratings, realism."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from chengxin.demo.market import ALL_TABLES, generate_market, generate_rated_orders
from chengxin.domains.market.contract import TABLES, read_table
from chengxin.domains.ratings import rules as R
from chengxin.domains.subjects.identifiers import org_code_check_char, uscc_check_char, validate_uscc

START, END = date(2025, 9, 1), date(2025, 12, 31)
SMALL = {"sellers": 40, "buyers": 400, "orders": 2000, "start": START, "end": END}
CUTOFF = R.end_of_day(END)


def _uscc(division: str, body: str) -> str:
    first17 = "91" + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


MERCHANTS = (_uscc("330782", "31415926"), _uscc("440305", "27182818"), _uscc("320506", "16180339"))
Tables = dict[str, pl.DataFrame]
# The columns of ../shared/contracts/MARKETPLACE.md (contract.TABLES may add optional extensions of ours).
CONTRACT = {
    "accounts": "account_id platform_id role created_at subject_id",
    "account_links": "account_id link_type value seen_at",
    "items": "item_id seller_account_id category list_price_fen",
    "orders": "order_id platform_id buyer_account_id seller_account_id item_id quantity amount_fen created_at paid_at "
    "shipped_at signed_at waybill_no status",
    "ratings": "rating_id order_id rater_account_id ratee_account_id direction kind score dsr_description dsr_service "
    "dsr_logistics text created_at",
    "waybills": "waybill_no carrier_uscc origin_division dest_division weight_g created_at",
    "tracking_events": "waybill_no event_time event_type division outlet_id",
    "price_history": "item_id valid_from price_fen promotion",
    "traffic": "visitor_id seller_account_id item_id event_time event_type ip device",
}


def _load(folder: Path, fmt: str) -> Tables:
    out: Tables = {}
    for name in ALL_TABLES:
        path = folder / f"{name}.{fmt}"
        frame, naive = read_table(path, TABLES[name])
        assert naive == 0, name
        problems = frame.filter(pl.col("_error").is_not_null())
        assert problems.is_empty(), (name, problems.head(3).to_dicts())
        out[name] = frame.select(CONTRACT[name].split())
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[Path, dict[str, int]]]:
    cache: dict[tuple[object, ...], tuple[Path, dict[str, int]]] = {}

    def make(fmt: str = "parquet", seed: int = 7, **extra: object) -> tuple[Path, dict[str, int]]:
        key = (fmt, seed, tuple(sorted((k, str(v)) for k, v in extra.items())))
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"market_{fmt}_{seed}")
            counts = generate_market(folder, seed=seed, fmt=fmt, **SMALL, **extra)  # type: ignore[arg-type]
            cache[key] = (folder, counts)
        return cache[key]

    return make


@pytest.fixture(scope="module", params=["parquet", "csv"])
def market(request: pytest.FixtureRequest, made: Callable[..., tuple[Path, dict[str, int]]]) -> Tables:
    folder, counts = made(request.param)
    tables = _load(folder, request.param)
    assert counts == {name: tables[name].height for name in ALL_TABLES}
    return tables


def _in(frame: pl.DataFrame, column: str, other: pl.DataFrame, key: str) -> bool:
    values = frame[column].drop_nulls()
    return bool(values.is_in(other[key].implode()).all())


def test_every_table_has_exactly_the_contract_columns(made: Callable[..., tuple[Path, dict[str, int]]]) -> None:
    for fmt in ("parquet", "csv"):
        folder, counts = made(fmt)
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.{fmt}" for t in ALL_TABLES)
        for name in ALL_TABLES:
            path = folder / f"{name}.{fmt}"
            columns = pl.read_parquet_schema(path) if fmt == "parquet" else pl.read_csv(path, n_rows=1).columns
            assert list(columns) == CONTRACT[name].split(), name
            assert counts[name] > 0, name
    assert counts["orders"] == SMALL["orders"]


def test_ids_are_unique_and_references_resolve(market: Tables) -> None:
    acc, items, orders, ratings = market["accounts"], market["items"], market["orders"], market["ratings"]
    waybills, tracking = market["waybills"], market["tracking_events"]
    for name, key in (("accounts", "account_id"), ("items", "item_id"), ("orders", "order_id"),
                      ("ratings", "rating_id"), ("waybills", "waybill_no")):
        assert market[name][key].is_unique().all(), name
    assert orders["waybill_no"].drop_nulls().is_unique().all()
    sellers, buyers = acc.filter(pl.col("role") == "seller"), acc.filter(pl.col("role") == "buyer")
    assert _in(orders, "seller_account_id", sellers, "account_id")
    assert _in(orders, "buyer_account_id", buyers, "account_id")
    assert _in(items, "seller_account_id", sellers, "account_id")
    assert _in(ratings, "order_id", orders, "order_id")
    assert _in(tracking, "waybill_no", waybills, "waybill_no")
    assert _in(waybills, "waybill_no", orders, "waybill_no") and _in(orders, "waybill_no", waybills, "waybill_no")
    assert _in(market["account_links"], "account_id", acc, "account_id")
    assert _in(market["price_history"], "item_id", items, "item_id")
    assert _in(market["traffic"], "seller_account_id", sellers, "account_id")
    assert _in(market["traffic"], "item_id", items, "item_id")
    joined = orders.join(items, on="item_id").join(acc, left_on="buyer_account_id", right_on="account_id")
    assert len(joined) == len(orders)
    assert (joined["seller_account_id"] == joined["seller_account_id_right"]).all()  # the item is the seller's
    assert (joined["platform_id"] == joined["platform_id_right"]).all()  # buyer and seller on one platform
    assert acc["subject_id"].drop_nulls().len() > 0
    assert acc.filter(pl.col("role") == "buyer")["subject_id"].null_count() == len(buyers)


def _facts(orders: pl.DataFrame) -> dict[str, R.OrderFacts]:
    return {
        o["order_id"]: R.OrderFacts(
            o["order_id"], o["buyer_account_id"], o["seller_account_id"], o["item_id"], o["amount_fen"], o["status"],
            o["created_at"],
            R.deal_time(signed_at=o["signed_at"], paid_at=o["paid_at"], created_at=o["created_at"]),
        )
        for o in orders.iter_rows(named=True)
    }


def test_every_rating_is_valid_under_the_rules(market: Tables) -> None:
    rules = R.load_rules()
    facts = _facts(market["orders"])
    seen: set[tuple[str, str, str, str]] = set()
    for r in market["ratings"].sort("created_at", maintain_order=True).iter_rows(named=True):
        rating = R.RatingIn(
            r["rating_id"], r["order_id"], r["rater_account_id"], r["ratee_account_id"], R.Direction(r["direction"]),
            R.Kind(r["kind"]), None if r["score"] is None else R.Score(r["score"]),
            (r["dsr_description"], r["dsr_service"], r["dsr_logistics"]), r["created_at"],
        )
        key = (r["order_id"], r["direction"], r["rater_account_id"])
        refusal = R.check_rating(
            rating, facts.get(r["order_id"]), has_initial=(*key, "initial") in seen,
            has_follow_up=(*key, "follow_up") in seen, rules=rules,
        )
        assert refusal is None, (r, refusal)
        assert r["created_at"] < CUTOFF
        seen.add((*key, r["kind"]))


def test_times_follow_each_other(market: Tables) -> None:
    orders, acc = market["orders"], market["accounts"]
    assert orders["created_at"].dtype == pl.Datetime("us", "UTC")
    assert orders["created_at"].min() >= R.end_of_day(START - timedelta(days=1))  # type: ignore[operator]
    assert orders["created_at"].max() < CUTOFF  # type: ignore[operator]
    steps = [("created_at", "paid_at"), ("paid_at", "shipped_at"), ("shipped_at", "signed_at")]
    for a, b in steps:
        assert orders.filter(pl.col(b) < pl.col(a)).is_empty(), (a, b)
    cancelled = orders.filter(pl.col("status") == "cancelled")
    assert cancelled["signed_at"].null_count() == len(cancelled) > 0
    assert orders.filter(pl.col("shipped_at").is_not_null() != pl.col("waybill_no").is_not_null()).is_empty()
    assert set(orders["status"]) == {"completed", "refunded", "cancelled"}
    assert (orders.filter(pl.col("status") == "completed").height / orders.height) > 0.8
    for role, column in (("buyer", "buyer_account_id"), ("seller", "seller_account_id")):
        first = orders.group_by(column).agg(pl.col("created_at").min().alias("first"))
        joined = first.join(acc, left_on=column, right_on="account_id")
        assert (joined["created_at"] < joined["first"]).all(), role
    track = market["tracking_events"].join(orders, on="waybill_no")
    assert track.filter((pl.col("event_time") < pl.col("shipped_at")) | (pl.col("event_time") > pl.col("signed_at"))
                        ).is_empty()
    order = ["collected", "departed", "arrived", "out_for_delivery", "signed"]
    per = market["tracking_events"].group_by("waybill_no", maintain_order=True).agg("event_type", "event_time")
    assert all(t == order for t in per["event_type"].to_list())
    assert all(x == sorted(x) for x in per["event_time"].to_list())


def test_amounts_follow_the_price_history(market: Tables) -> None:
    orders = market["orders"].sort("created_at")
    prices = market["price_history"].sort("valid_from")
    priced = orders.join_asof(prices, left_on="created_at", right_on="valid_from", by="item_id", check_sortedness=False)
    assert priced["price_fen"].null_count() == 0
    assert (priced["amount_fen"] == priced["price_fen"] * priced["quantity"]).all()
    assert market["price_history"]["promotion"].any()
    firsts = prices.group_by("item_id").agg(pl.col("price_fen").first()).join(market["items"], on="item_id")
    assert (firsts["price_fen"] == firsts["list_price_fen"]).all()


def test_codes_are_valid(market: Tables, made: Callable[..., tuple[Path, dict[str, int]]]) -> None:
    for code in market["accounts"]["subject_id"].drop_nulls().unique().to_list():
        validate_uscc(code)
    for code in market["waybills"]["carrier_uscc"].unique().to_list():
        validate_uscc(code)
    for column in ("origin_division", "dest_division"):
        assert market["waybills"][column].str.contains(r"^\d{6}$").all()
    links = market["account_links"]
    assert links["value"].str.contains(r"^[0-9a-f]{64}$").all()
    assert set(links["link_type"]) == {"device", "ip", "address", "phone", "payment"}
    shared = links.filter(pl.col("link_type") == "device").group_by("value").agg(pl.col("account_id").n_unique())
    assert (shared["account_id"] > 1).any()  # families share a device
    folder, _ = made("parquet", merchant_usccs=MERCHANTS, carriers=MERCHANTS[:2])
    acc, wb = pl.read_parquet(folder / "accounts.parquet"), pl.read_parquet(folder / "waybills.parquet")
    assert set(acc["subject_id"].drop_nulls()) == set(MERCHANTS)
    busiest = (
        pl.read_parquet(folder / "orders.parquet").join(acc, left_on="seller_account_id", right_on="account_id")
        .filter(pl.col("subject_id").is_not_null()).group_by("subject_id", "seller_account_id").len().sort("len")
    )
    assert busiest["subject_id"][-1] == MERCHANTS[0]  # the first merchant given gets the busiest shop
    assert set(wb["carrier_uscc"]) == set(MERCHANTS[:2])


def test_the_cases_credit_rules_care_about_occur(market: Tables) -> None:
    orders, ratings = market["orders"], market["ratings"]
    initial = ratings.filter(pl.col("kind") == "initial")
    b2s = initial.filter(pl.col("direction") == "buyer_to_seller")
    assert {"good", "neutral", "bad"} <= set(b2s["score"])
    assert set(initial.filter(pl.col("direction") == "seller_to_buyer")["score"]) >= {"good"}
    assert (b2s["score"] == "good").mean() > 0.85  # type: ignore[operator]
    follow = ratings.filter(pl.col("kind") == "follow_up")
    assert follow.height > 0 and follow["score"].null_count() == follow.height
    assert ratings.filter(pl.col("direction") == "seller_to_buyer")["dsr_service"].null_count() == len(
        ratings.filter(pl.col("direction") == "seller_to_buyer")
    )
    assert b2s["dsr_service"].drop_nulls().is_between(1, 5).all() and b2s["dsr_service"].mean() > 4  # type: ignore[operator]
    lapsed = CUTOFF - timedelta(days=15)
    done = orders.filter((pl.col("status") == "completed") & (pl.coalesce("signed_at", "paid_at") < lapsed))
    rated = done.join(b2s, on="order_id", how="semi")
    assert 0.75 < rated.height / done.height < 0.95  # ~85% rated, the rest lapse into default ratings
    assert orders.filter(pl.col("amount_fen") <= 100).height > 0
    pairs = ["buyer_account_id", "seller_account_id"]
    repeat = (
        orders.sort("created_at")
        .with_columns(pl.col("created_at").diff().over([*pairs, "item_id"]).alias("gap"))
        .filter(pl.col("gap") < timedelta(days=14))
    )
    assert repeat.height > 0
    month = pl.col("created_at").dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y%m")
    busy = orders.group_by([*pairs, month.alias("month")]).len().filter(pl.col("len") > 6)
    assert busy.height > 0
    days = orders.group_by(pl.col("created_at").dt.convert_time_zone("Asia/Shanghai").dt.date()).len()
    peak = days.sort("len")[-1]["created_at"].item()
    assert peak == date(2025, 11, 11)


def test_same_seed_same_files_and_another_seed_differs(
    made: Callable[..., tuple[Path, dict[str, int]]], tmp_path: Path
) -> None:
    folder, _ = made("parquet")
    generate_market(tmp_path / "again", seed=7, **SMALL)  # type: ignore[arg-type]
    for name in ALL_TABLES:
        assert (folder / f"{name}.parquet").read_bytes() == (tmp_path / "again" / f"{name}.parquet").read_bytes()
    other, _ = made("parquet", seed=8)
    for name in ("orders", "ratings", "accounts"):
        assert not pl.read_parquet(folder / f"{name}.parquet").equals(pl.read_parquet(other / f"{name}.parquet"))


def test_tables_can_be_left_out_without_changing_the_rest(
    made: Callable[..., tuple[Path, dict[str, int]]], tmp_path: Path
) -> None:
    folder, _ = made("parquet")
    counts = generate_market(tmp_path, seed=7, tables={"ratings", "tracking_events"}, **SMALL)  # type: ignore[arg-type]
    assert set(counts) == {"ratings", "tracking_events"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.parquet", "tracking_events.parquet"]
    for name in counts:
        assert (folder / f"{name}.parquet").read_bytes() == (tmp_path / f"{name}.parquet").read_bytes()
    with pytest.raises(ValueError, match="unknown table"):
        generate_market(tmp_path, tables={"reviews"}, **SMALL)  # type: ignore[arg-type]


def test_generate_rated_orders_gives_frames() -> None:
    frames = generate_rated_orders(500, seed=3)
    assert set(frames) == {"accounts", "items", "orders", "ratings"}
    assert frames["orders"].height == 500 and frames["ratings"].height > 0
    assert frames["ratings"].columns == CONTRACT["ratings"].split()
    assert isinstance(frames["orders"]["created_at"][0], datetime)
