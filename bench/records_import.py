"""The credit-records import benchmark: a 双公示 penalty sheet of 1,000,000 rows for loaded subjects.

The sheet is what a provincial aggregation of departments' penalty sheets looks like: Chinese
headers as in the national template (full-width brackets, the legal representative's 证件类型 and an
empty 证件号码), a title row above the header, six source departments (数据来源单位) interleaved,
~80 % legal persons (统一社会信用代码) and ~20 % natural persons (身份证), one row per subject of the
data set, in the data set's order. It is imported with ``chengxin records import FILE --json`` as a
subprocess into the database holding the subjects. Before the run the harness deletes what an
earlier run of this benchmark left (the records of its six sources, their events and queue rows),
so that every row is inserted, never found unchanged.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import BENCH_VAR, CHENGXIN, Target, json_summary, log, run_measured
from dataset import DataSet

TARGET_S = {"sqlite": 300.0, "postgresql": 180.0}
TARGET_RSS_MIB = 2048.0
TIMEOUT_S = 3600.0
SEED = 4242

HEADER = (
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "工商注册号", "法定代表人", "法定代表人证件类型",
    "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据",
    "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号",
    "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
)  # fmt: skip
SOURCES = ("南京市市场监督管理局", "苏州市市场监督管理局", "无锡市生态环境局", "江苏省税务局第一稽查局",
           "南京市应急管理局", "常州市交通运输局")  # fmt: skip
# (违法行为类型, 违法事实, 处罚依据, 处罚类别, 处罚内容 template, fine range in 万元)
VIOLATIONS = (
    ("虚假宣传", "在其经营场所及网店页面发布引人误解的商业宣传", "《中华人民共和国反不正当竞争法》第二十条",
     "警告;罚款", "警告，并处罚款{fine}万元", (1, 20)),
    ("未按规定公示年度报告", "未按规定期限公示年度报告", "《企业信息公示暂行条例》第十八条", "警告",
     "警告", (0, 0)),
    ("销售不合格产品", "销售经抽检不合格的产品，货值金额较大", "《中华人民共和国产品质量法》第四十九条",
     "罚款;没收违法所得", "没收违法所得{conf}万元，并处罚款{fine}万元", (2, 50)),
    ("特种设备未经检验", "使用未经定期检验的特种设备", "《中华人民共和国特种设备安全法》第八十四条",
     "责令停产停业;罚款", "责令停止使用，并处罚款{fine}万元", (3, 30)),
    ("无照经营", "未取得营业执照擅自从事经营活动", "《无证无照经营查处办法》第十三条",
     "罚款", "罚款{fine}万元", (0.5, 5)),
    ("严重违法排污", "通过暗管逃避监管的方式排放水污染物", "《中华人民共和国水污染防治法》第八十三条",
     "吊销许可证;罚款", "吊销排污许可证，并处罚款{fine}万元", (10, 100)),
)  # fmt: skip


def _rows(subject_files: tuple[Path, ...], count: int, seed: int) -> Iterator[list[str]]:
    """One penalty per subject, decided 2023-01-01 … 2026-09-30 (dates written 2024/7/17)."""
    rng = random.Random(seed)
    first, span = date(2023, 1, 1), (date(2026, 9, 30) - date(2023, 1, 1)).days
    n = 0
    for path in subject_files:
        with path.open(encoding="utf-8", newline="") as fh:
            for s in csv.DictReader(fh):
                if n >= count:
                    return
                n += 1
                vtype, facts, basis, category, content, (lo, hi) = rng.choice(VIOLATIONS)
                fine = round(rng.uniform(lo, hi), 2) if hi else 0
                conf = round(rng.uniform(0.1, 5), 2) if "没收" in category else 0
                decided = first + timedelta(days=rng.randrange(span))
                source = SOURCES[n % len(SOURCES)]
                legal = s["kind"] == "legal"
                yield [
                    s["name"], "法人及非法人组织" if legal else "自然人", s["uscc"], "",
                    "张三" if legal else "", "身份证" if legal else "", "",
                    "" if legal else "身份证", "" if legal else s["ric"], f"{source[:2]}罚〔{decided.year}〕{n}号",
                    vtype, facts, basis, category, content.format(fine=fine, conf=conf),
                    f"{fine:g}" if fine else "", f"{conf:g}" if conf else "",
                    f"排污许可证 {s['uscc'] or ''}{n % 1000:03d}P" if "吊销" in category else "",
                    f"{decided.year}/{decided.month}/{decided.day}", "", "", source, "", source, "", "",
                ]  # fmt: skip


def ensure_sheet(data: DataSet, rows: int, *, seed: int = SEED) -> Path:
    """``var/bench/data/NAME/penalties-ROWS.csv`` for the first ``rows`` subjects of ``data``,
    generated once and reused while its manifest matches."""
    if rows > data.total:
        raise ValueError(f"{rows:,} penalties for {data.total:,} subjects: one penalty per subject at most")
    folder = BENCH_VAR / "data" / data.name
    path = folder / f"penalties-{rows}.csv"
    manifest = folder / f"penalties-{rows}.json"
    wanted = {"format": 3, "seed": seed, "rows": rows, "subjects_seed": data.seed, "header": list(HEADER)}
    if manifest.exists() and path.exists() and json.loads(manifest.read_text()) == wanted:
        log(f"penalty sheet: reusing {path} ({rows:,} rows)")
        return path
    manifest.unlink(missing_ok=True)
    log(f"penalty sheet: generating {rows:,} rows (seed {seed}) into {path}")
    start = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["江苏省行政处罚信息公示表（双公示）"])  # a title row above the header, as sent
        w.writerow(HEADER)
        for row in _rows(data.files, rows, seed):
            w.writerow(row)
            written += 1
    if written != rows:
        raise RuntimeError(f"{path}: wrote {written:,} rows, expected {rows:,}")
    tmp.replace(path)
    manifest.write_text(json.dumps(wanted, ensure_ascii=False))
    log(f"  wrote {path.name} ({time.perf_counter() - start:.1f} s, {path.stat().st_size / 2**20:.0f} MiB)")
    return path


def clear(target: Target) -> int:
    """Delete what an earlier run of this benchmark imported (its sources' records, their events
    and queue rows), then vacuum on PostgreSQL; returns how many records were deleted."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(target.url)
    try:
        with engine.begin() as conn:
            # Without the foreign-key checks: each deleted record would look for rows naming it
            # (supersedes_id has no index), a scan per row.
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            else:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            ids = [r[0] for r in conn.execute(
                text("SELECT id FROM organisations WHERE name IN :names").bindparams(
                    bindparam("names", expanding=True)), {"names": list(SOURCES)})]
            if not ids:
                return 0
            params = {"ids": ids}
            exp = bindparam("ids", expanding=True)
            # events of one record name it; events of a batch (object_id NULL) list theirs in the payload
            conn.execute(text("DELETE FROM outbox_events WHERE object_type = 'credit_record' AND object_id IS NULL"))
            conn.execute(text("DELETE FROM outbox_events WHERE object_type = 'credit_record' AND object_id IN "
                              "(SELECT CAST(id AS VARCHAR(20)) FROM credit_records WHERE source_org_id IN :ids)"
                              ).bindparams(exp), params)
            conn.execute(text("DELETE FROM unmatched_records WHERE source_org_id IN :ids").bindparams(exp), params)
            gone = conn.execute(text("DELETE FROM credit_records WHERE source_org_id IN :ids").bindparams(exp),
                                params).rowcount
        if engine.dialect.name == "postgresql":
            # Vacuumed now rather than by autovacuum in the middle of the timed run (a million dead
            # rows: its work would be counted against the import).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE credit_records, outbox_events, unmatched_records")
    finally:
        engine.dispose()
    return int(gone or 0)


@dataclass
class RecordsRun:
    file: str
    rows: int
    wall_s: float
    rows_per_s: float
    max_rss_mib: float  # the command's own process
    tree_rss_mib: float  # the command and its reading subprocess together (sampled)
    cpu_s: float
    summary: dict[str, Any]
    cleared: int
    machine_busy: float = float("nan")  # share of all cores busy during the run (the database included)


class RecordsImportFailed(RuntimeError):
    pass


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from ``/proc/stat``."""
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run(target: Target, data: DataSet, rows: int) -> RecordsRun:
    sheet = ensure_sheet(data, rows)
    start = time.perf_counter()
    cleared = clear(target)
    log(f"{target.engine}: cleared {cleared:,} records of an earlier run ({time.perf_counter() - start:.1f} s)")
    argv = [str(CHENGXIN), "records", "import", str(sheet), "--json"]
    log(f"{target.engine}: records import benchmark — {sheet.name} ({rows:,} rows)")
    busy0, total0 = _cpu_times()
    res = run_measured(argv, env=target.env(), cwd=target.var_dir, log_dir=BENCH_VAR / "logs",
                       name=f"records-{target.engine}", timeout_s=TIMEOUT_S, sample_tree=True)
    busy1, total1 = _cpu_times()
    summary = json_summary(res, RecordsImportFailed)
    if summary.get("inserted") != rows or summary.get("rejected") or summary.get("unmatched"):
        raise RecordsImportFailed(f"{sheet.name}: not every row was inserted: {summary}")
    out = RecordsRun(sheet.name, rows, res.wall_s, rows / res.wall_s, res.max_rss_kib / 1024,
                     res.tree_rss_kib / 1024, res.user_s + res.sys_s, summary, cleared,
                     (busy1 - busy0) / (total1 - total0) if total1 > total0 else float("nan"))
    log(f"{target.engine}: records import {rows:,} rows in {out.wall_s:.1f} s ({out.rows_per_s:,.0f} rows/s, "
        f"peak RSS {out.max_rss_mib:.0f} MiB, with the reading process {out.tree_rss_mib:.0f} MiB)")
    return out


def verdict(engine: str, r: RecordsRun) -> tuple[str, str, bool]:
    """(figure, target, passed): wall time against the engine's target, peak memory ≤ 2 GiB."""
    limit = TARGET_S[engine]
    rss = max(r.max_rss_mib, r.tree_rss_mib)
    return (f"{r.wall_s:.1f} s, {rss:,.0f} MiB", f"≤ {limit:.0f} s, ≤ {TARGET_RSS_MIB / 1024:.0f} GiB",
            r.wall_s <= limit and rss <= TARGET_RSS_MIB)


def section(rows: int, total_subjects: int, results: list[tuple[str, RecordsRun | None, str]]) -> list[str]:
    """The report's section; ``results`` holds (engine name, run, verdict text) per engine."""
    lines = ["## 4. Credit records import", "",
             f"`chengxin records import FILE --json` on a 双公示 penalty sheet of {rows:,} rows "
             f"(`bench/records_import.py`) into the database holding the {total_subjects:,} subjects of the "
             "data set, all of them named by the sheet (one penalty each, ~80 % by 统一社会信用代码, ~20 % "
             "by 身份证). The sheet is as departments send it: Chinese headers with full-width brackets, a "
             "title row above the header, the legal representative's ID columns, dates written 2024/7/17, six "
             "数据来源单位 interleaved. The figure is the subprocess's wall time: start-up, reading the CSV "
             "(streamed) in a second process that maps and validates each row against the catalog (USCC/RIC "
             "check characters, dates, severity from 处罚类别, publicity period), matching the subjects, "
             "writing records, their events and audit entries in one transaction per 2,000 rows. Before the "
             "run the harness deletes the records an earlier run imported, so every row is inserted (a run "
             "fails unless all are). *Peak RSS* is the command's own process; *with reader* the command and "
             "its reading process together (sampled every 0.5 s). CPU includes both processes; *machine busy* "
             "is the share of all the machine's cores busy during the run (`/proc/stat`: the command, the "
             "database server and anything else running), 100 % meaning the run was bound by the CPU.", "",
             "| Engine | Rows | Wall time | Rows/s | Peak RSS | With reader | CPU (user+sys) | Machine busy "
             "| Verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r, verdict_text in results:
        if r is None:
            continue
        busy = "—" if r.machine_busy != r.machine_busy else f"{r.machine_busy:.0%}"
        lines.append(f"| {name} | {r.rows:,} | {r.wall_s:.1f} s | {r.rows_per_s:,.0f} | {r.max_rss_mib:,.0f} MiB "
                     f"| {r.tree_rss_mib:,.0f} MiB | {r.cpu_s:.1f} s | {busy} | {verdict_text} |")
    return lines
