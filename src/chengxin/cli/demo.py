"""``chengxin demo``: build the synthetic province, print the logins, serve the site."""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chengxin.cli.common import console, database, print_json_line
from chengxin.cli.db import serve
from chengxin.config import get_settings
from chengxin.db import forget_database


def demo(
    serve_site: bool = typer.Option(True, "--serve/--no-serve", help="serve the site when the data is loaded"),
    enterprises: int = typer.Option(4000, help="legal persons to generate"),
    persons: int = typer.Option(2000, help="natural persons to generate"),
    orders: int = typer.Option(200_000, help="marketplace orders to generate (0: no marketplace)"),
    seed: int = typer.Option(2026, help="generator seed (same seed, same province)"),
    reset: bool = typer.Option(False, help="delete the SQLite database first"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object"),
) -> None:
    """Generate a deterministic synthetic province (subjects, registry, organisations, users)."""
    from chengxin.demo.load import load_province
    from chengxin.demo.province import generate_province

    settings = get_settings()
    url = settings.effective_database_url()
    if reset and url.startswith("sqlite:///"):
        forget_database(url)
        for suffix in ("", "-wal", "-shm"):
            path = settings.var_dir / f"chengxin.db{suffix}"
            if not settings.database_url and path.exists():
                path.unlink()
    db = database(settings)
    province = generate_province(seed=seed, enterprises=enterprises, persons=persons)
    total = len(province.legal_subjects) + len(province.natural_subjects)
    with Progress(
        TextColumn("生成演示数据 building demo"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
    ) as progress:
        task = progress.add_task("subjects", total=total)
        summary = load_province(db, settings, province, tick=lambda n: progress.update(task, completed=n))
        progress.update(task, completed=total)
    market = None
    if orders > 0:
        from chengxin.demo.marketplace import load_market
        from chengxin.domains.subjects.service import legal_today

        with Progress(
            TextColumn("导入交易数据 {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
        ) as progress:
            tasks: dict[str, Any] = {}

            def tick(table: str, done: int, total_rows: int) -> None:
                if table not in tasks:
                    tasks[table] = progress.add_task(table, total=total_rows)
                progress.update(tasks[table], completed=done)

            market = load_market(
                db,
                settings,
                province,
                today=legal_today(),
                orders=orders,
                progress=tick,
                note=None if as_json else console.print,
            )
        if market.platform_token:
            summary.tokens["platform"] = market.platform_token
    detected = None
    if market is not None and market.simulated:
        from pathlib import Path

        from chengxin.demo.detection import load_detection

        with console.status("监测线索 running the fraud detectors, filling the review queue …"):
            detected = load_detection(db, settings, Path(market.folder))
    from chengxin.domains.evaluation.service import run as evaluate_all
    from chengxin.domains.subjects.service import legal_today as evaluation_day
    from chengxin.security.actor import cli_actor

    with console.status("信用评价 evaluating every subject …"):
        evaluated, _ = evaluate_all(db, cli_actor("demo"), engine="polars", on=evaluation_day())
    from chengxin.demo.inspections import load_inspections

    inspections = load_inspections(db, settings, today=evaluation_day())
    from chengxin.demo.assessments import load_assessments

    assessed = load_assessments(db, settings, today=evaluation_day(), seed=seed)
    from chengxin.demo.lists import load_lists

    listed = load_lists(db, settings, today=evaluation_day())
    from chengxin.demo.queries import load_queries

    queried = load_queries(db, settings, today=evaluation_day())
    from chengxin.demo.reports import load_reports

    with console.status("信用报告 issuing the demo merchant's public credit report …"):
        reported = load_reports(db, settings)
    counts = {
        **summary.subjects.counts(),
        "registry_inserted": summary.registry_inserted,
        "organisations_created": summary.organisations_created,
        "users_created": summary.users_created,
        "records": summary.records.counts(),
        "commitments": {"signed": summary.commitments.signed, "breached": summary.commitments.breached},
        "objections": {"filed": summary.objections.objections, "decided": summary.objections.decided},
        "repairs": {"applied": summary.objections.repairs, "approved": summary.objections.repaired},
        "marketplace": None
        if market is None
        else {**market.imported, "default_ratings": market.default_ratings, "labels": market.labels},
        "detection": None if detected is None else detected.as_dict(),
        "evaluations": evaluated.as_dict(),
        "inspections": {"plan_id": inspections.plan_id, "drawn": inspections.drawn, "results": inspections.results},
        "assessments": {
            "period": assessed.period,
            "assessed": assessed.assessed,
            "notices": assessed.notices,
            "complaints": assessed.complaints,
        },
        "lists": listed.as_dict(),
        "queries": queried.as_dict(),
        "reports": reported.as_dict(),
    }
    if as_json:
        print_json_line({**counts, "tokens": summary.tokens})
    else:
        console.print(f"演示账号 demo logins — http://{host}:{port}/login")
        for u in province.users:
            console.print(
                f"  {u.username:20} {u.password:30} {u.role:14} {u.display_name}", highlight=False, soft_wrap=True
            )
        console.print("API tokens (valid 30 days):")
        for role, token in summary.tokens.items():
            console.print(f"  {role:14} {token}")
        console.print(
            f"subjects: inserted {counts['inserted']}, unchanged {counts['unchanged']}, "
            f"rejected {counts['rejected']}; registry entries {summary.registry_inserted}"
        )
        for line in summary.records.lines():
            console.print(line, highlight=False, soft_wrap=True)
        console.print(summary.commitments.line(), highlight=False)
        console.print(summary.objections.line(), highlight=False)
        if market is not None:
            console.print(market.line(), highlight=False)
        for line in detected.lines() if detected is not None else []:
            console.print(line, highlight=False, soft_wrap=True)
        grades = ", ".join(f"{g} {n:,}" for g, n in evaluated.grades.items())
        console.print(f"信用评价 evaluations: {evaluated.subjects:,} subjects — {grades}", highlight=False)
        if inspections.plan_id:
            console.print(
                f"双随机抽查 inspection plan {inspections.plan_id}: {inspections.drawn} subjects drawn, "
                f"{inspections.results} results — /inspections/{inspections.plan_id}",
                highlight=False,
            )
        console.print(
            f"平台与物流企业评估 assessments {assessed.period}: {assessed.assessed} published — "
            f"/assessments/{assessed.period}; "
            f"complaints {assessed.complaints.get('rows', 0)}, notices {assessed.notices}",
            highlight=False,
        )
        console.print(
            f"信用名单 lists: published {listed.published}, {listed.queued} in review or objection — /lists, "
            f"/admin/lists; {listed.warnings} consumer warnings, {listed.rectifications} rectifications",
            highlight=False,
        )
        console.print(queried.line(), highlight=False, soft_wrap=True)
        console.print(reported.line(settings.public_base_url), highlight=False, soft_wrap=True)
    if serve_site:
        serve(host=host, port=port, workers=None)
