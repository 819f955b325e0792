"""``chengxin queries …``: the query service's purposes, the query register (查询登记), abuse alerts and the
retention purge (the daily ``queries.retention`` job does it too)."""

from __future__ import annotations

import typer
from rich.table import Table

from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.config import get_settings
from chengxin.db import unit_of_work, utcnow
from chengxin.domains.queries import abuse, retention, rules, service
from chengxin.domains.subjects import service as subject_service
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher

app = typer.Typer(
    help="Query service (信用信息查询): purposes, the query register, abuse alerts.", no_args_is_help=True
)


@app.command("purposes")
@handle_errors
def purposes_cmd(as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """The purposes a query may state (查询用途), the roles that may state them and what they return."""
    qr = service.current_rules()
    if as_json:
        print_json_line({k: {"name": p.name, "roles": sorted(p.roles), "fields": list(p.fields),
                             "legal_basis": p.legal_basis} for k, p in qr.purposes.items()})  # fmt: skip
        return
    table = Table("用途 purpose", "名称", "roles", "fields", "legal basis")
    for p in qr.purposes.values():
        table.add_row(p.key, p.name, ", ".join(sorted(p.roles)), ", ".join(p.fields), "✓" if p.legal_basis else "")
    out.print(table)


@app.command("log")
@handle_errors
def log_cmd(
    subject: str = typer.Option("", help="only queries of this subject (USCC or RIC)"),
    account: str = typer.Option("", help="only this account (token:12, user:alice, ip:10.0.0.1)"),
    limit: int = typer.Option(50, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """The query register, newest first (who, which subject, purpose, authorisation, fields, when)."""
    with unit_of_work(database(), readonly=True) as s:
        sid = subject_service.view_by_code(s, code=subject, cipher=cipher(get_settings())).id if subject else None
        rows = service.query_log(s, account=account or None, subject_id=sid, limit=limit)
    items = [{"id": r.id, "at": r.at.isoformat(), "kind": r.kind, "account": r.account,
              "organisation_id": r.organisation_id, "subject_id": r.subject_id, "purpose": r.purpose,
              "authorisation_id": r.authorisation_id, "legal_basis": r.legal_basis, "fields": r.fields}
             for r in rows]  # fmt: skip
    if as_json:
        print_json_line({"queries": items})
        return
    table = Table("id", "time (UTC)", "kind", "account", "org", "subject", "purpose", "authorisation / basis")
    for i in items:
        basis = f"#{i['authorisation_id']}" if i["authorisation_id"] else (i["legal_basis"] or "")
        cells = (i["id"], str(i["at"])[:19], i["kind"], i["account"], i["organisation_id"] or "", i["subject_id"],
                 i["purpose"] or "", basis)  # fmt: skip
        table.add_row(*(str(c) for c in cells))
    out.print(table)


@app.command("alerts")
@handle_errors
def alerts_cmd(
    every: bool = typer.Option(False, "--all", help="closed alerts too"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Abuse alerts over the query log (查询异常告警); review them at /admin/queries."""
    with unit_of_work(database(), readonly=True) as s:
        found = abuse.alerts(s, status=None if every else "open")
    items = [{"id": a.id, "rule": a.rule, "account": a.account, "status": a.status, "count": a.count,
              "detail": a.detail, "last_at": a.last_at.isoformat()} for a in found]  # fmt: skip
    if as_json:
        print_json_line({"alerts": items})
        return
    table = Table("id", "rule", "account", "status", "count", "detail")
    for i in items:
        table.add_row(str(i["id"]), rules.RULE_ZH.get(str(i["rule"]), str(i["rule"])), str(i["account"]),
                      str(i["status"]), str(i["count"]), str(i["detail"]))  # fmt: skip
    out.print(table)


@app.command("purge")
@handle_errors
def purge_cmd(
    years: int = typer.Option(0, min=0, help="retention in years (0: CHENGXIN_QUERY_RETENTION_YEARS)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Delete query records older than the retention period now (the daily job does it too)."""
    kept = years or get_settings().query_retention_years
    with unit_of_work(database()) as s:
        done = retention.purge(s, actor=cli_actor("query retention"), now=utcnow(), years=kept)
    if as_json:
        print_json_line({"years": kept, **done})
    else:
        console.print(f"查询记录留存 {kept} 年: deleted {done['records_deleted']} query records, "
                      f"{done['alerts_deleted']} closed alerts", highlight=False)  # fmt: skip
