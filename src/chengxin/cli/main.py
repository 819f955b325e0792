"""The ``chengxin`` command (Typer). Commands stay thin: parse, call a service, print."""

from __future__ import annotations

import typer

from chengxin.cli import accounts, audit, db, demo, records, subjects
from chengxin.cli import assessments as assessments_cli
from chengxin.cli import catalog as catalog_cli
from chengxin.cli import deadlines as deadlines_cli
from chengxin.cli import detect as detect_cli
from chengxin.cli import evaluation as evaluation_cli
from chengxin.cli import findings as findings_cli
from chengxin.cli import inspections as inspections_cli
from chengxin.cli import jobs as jobs_cli
from chengxin.cli import market as market_cli
from chengxin.cli import queries as queries_cli
from chengxin.cli import reports as reports_cli
from chengxin.cli import simulate as simulate_cli

app = typer.Typer(
    help="Chengxin 诚信 — credit-information platform.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(db.app, name="db")
app.add_typer(subjects.app, name="subjects")
app.add_typer(subjects.registry_app, name="registry")
app.add_typer(records.app, name="records")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(accounts.users_app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(catalog_cli.app, name="catalog")
app.add_typer(jobs_cli.app, name="jobs")
app.add_typer(deadlines_cli.app, name="deadlines")
app.add_typer(market_cli.app, name="market")
app.add_typer(market_cli.ratings_app, name="ratings")
app.add_typer(evaluation_cli.app, name="evaluate")
app.add_typer(inspections_cli.app, name="inspections")
app.add_typer(assessments_cli.app, name="assessments")
app.add_typer(simulate_cli.app, name="simulate")
app.add_typer(findings_cli.app, name="findings")
app.add_typer(detect_cli.app, name="detect")
app.add_typer(reports_cli.app, name="reports")
app.add_typer(queries_cli.app, name="queries")
app.command("serve")(db.serve)
app.command("demo")(demo.demo)

if __name__ == "__main__":
    app()
