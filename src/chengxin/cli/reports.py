"""``chengxin reports …``: credit reports (信用报告) — make one from the command line, verify a report file,
print the signing key."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import typer

from chengxin.cli.common import console, database, handle_errors, out, print_json_line
from chengxin.config import get_settings
from chengxin.db import unit_of_work
from chengxin.domains.accounts import service as accounts
from chengxin.domains.reports import service
from chengxin.errors import UnusableInput
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher

app = typer.Typer(help="Credit reports (信用报告): make, verify, the signing key.", no_args_is_help=True)
KINDS = ("self", "public", "third_party")


@app.command("make")
@handle_errors
def make_cmd(
    code: str = typer.Argument(..., help="the subject's USCC or resident identity number"),
    kind: str = typer.Option("public", "--kind", help="self | public | third_party"),
    out_file: Path = typer.Option(..., "--out", help="where to write the signed PDF"),
    purpose: str | None = typer.Option(
        None, "--purpose", help="third_party: a query purpose's code (`chengxin queries purposes`), required"
    ),
    authorisation: int | None = typer.Option(
        None,
        "--authorisation",
        min=1,
        help="third_party, a natural person: the id of the person's authorisation given to the credit centre",
    ),  # fmt: skip
    legal_basis: str | None = typer.Option(
        None, "--legal-basis", help="third_party: the legal basis (法定依据) instead, for purposes that allow it"
    ),
    html: Path | None = typer.Option(None, "--html", help="also write the HTML version here"),
    as_json: bool = typer.Option(False, "--json", help="print the registered report as one JSON line"),
) -> None:
    """Make a signed, registered report of the subject (as the credit centre: a self report is made on the
    subject's behalf; a third-party report is an authorised query, registered in the query register) and
    write the PDF."""
    if kind not in KINDS:
        raise UnusableInput(f"--kind must be one of {', '.join(KINDS)}", code="report_kind_unknown",
                            message_zh="报告类型无效")  # fmt: skip
    settings = get_settings()
    db = database(settings)
    with unit_of_work(db) as session:
        actor = replace(cli_actor().with_purpose(purpose), organisation_id=accounts.credit_centre_id(session))
        issued = service.issue(session, actor=actor, settings=settings, cipher=cipher(settings), kind=kind,
                               code=code, purpose=purpose, authorisation_id=authorisation,
                               legal_basis=legal_basis)  # fmt: skip
        registered = service.out(issued.report)
    out_file.write_bytes(issued.pdf)
    if html is not None:
        from chengxin.domains.reports import render

        html.write_text(render.html(issued.content), encoding="utf-8")
    if as_json:
        print_json_line(json.loads(registered.model_dump_json()) | {"file": str(out_file)})
        return
    out.print(f"信用报告 {registered.number} ({kind}) → {out_file} ({len(issued.pdf):,} bytes), valid until "
              f"{registered.valid_until:%Y-%m-%d %H:%M} UTC, sha256 {registered.sha256}")  # fmt: skip


@app.command("verify")
@handle_errors
def verify_cmd(
    file: Path = typer.Argument(..., help="a report PDF"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON line"),
) -> None:
    """Verify a report file: the signature over every byte, the key, the number in the registry, the
    registered SHA-256, the validity. Exits 0 when valid, 1 naming each check that failed."""
    if not file.is_file():
        raise UnusableInput(f"{file}: no such file", code="report_file_missing", message_zh="报告文件不存在")
    with unit_of_work(database(), readonly=True) as session:
        result = service.verify_file(session, file.read_bytes())
    if as_json:
        print_json_line(json.loads(result.model_dump_json()))
    elif result.valid and result.report is not None:
        r = result.report
        out.print(f"有效 VALID: report {r.number} ({r.kind_zh}) of {r.subject_name}, issued "
                  f"{r.issued_at:%Y-%m-%d %H:%M} UTC, valid until {r.valid_until:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    else:
        console.print(f"[red]无效 INVALID[/red]: {file}" + (f" (report {result.number})" if result.number else ""))
        for p in result.problems:
            console.print(f"  {p.code}: {p.message_zh} — {p.detail}")
    if not result.valid:
        raise typer.Exit(1)


@app.command("public-key")
@handle_errors
def public_key_cmd() -> None:
    """Print the Ed25519 public key that signs reports (PEM) and its key id."""
    settings = get_settings()
    with unit_of_work(database(settings), readonly=True) as session:
        key = service.public_key(session, settings)
    out.print(f"key id {key.key_id} ({key.algorithm})\n{key.pem}", highlight=False)
