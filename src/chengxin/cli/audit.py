"""``chengxin audit …``: verify the hash chain, print its head."""

from __future__ import annotations

import typer

from chengxin.cli.common import console, database, handle_errors, print_json_line
from chengxin.db import unit_of_work
from chengxin.security import audit as audit_chain

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify(
    checkpoint: str | None = typer.Option(None, help="SEQ:HASH printed earlier by `audit head` (detects truncation)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as one JSON object"),
) -> None:
    """Check every entry: exits 1 if any entry was edited, deleted or reordered."""
    with unit_of_work(database(), readonly=True) as s:
        report = audit_chain.verify_chain(s, checkpoint=checkpoint)
    if as_json:
        print_json_line(
            {
                "ok": report.ok,
                "checked": report.checked,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "problems": report.problems,
            }
        )
    elif report.ok:
        console.print(
            f"[green]审计链完整[/green] audit chain intact: {report.checked} entries, "
            f"head {report.head_seq} {report.head_hash}"
        )
    else:
        console.print(f"[red]审计链被篡改[/red] audit chain BROKEN ({report.checked} entries checked):")
        for p in report.problems:
            console.print(f"  - {p}")
    raise typer.Exit(0 if report.ok else 1)


@app.command("head")
def head() -> None:
    """Print the head of the chain as a checkpoint ``SEQ:HASH`` to keep outside the database."""
    with unit_of_work(database(), readonly=True) as s:
        seq, digest = audit_chain.head(s)
    print_json_line({"head_seq": seq, "head_hash": digest, "checkpoint": f"{seq}:{digest}"})
