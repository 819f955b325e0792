"""Load a generated province into the database through the ordinary services (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.province import Province, write_registry_csv
from chengxin.domains.accounts import service as accounts
from chengxin.domains.accounts.models import User
from chengxin.domains.subjects import importer
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.verification import service as verification_service
from chengxin.domains.verification.verifiers import make_verifier
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher, load_master_key
from chengxin.security.permissions import Role


@dataclass
class DemoSummary:
    subjects: importer.ImportSummary
    registry_inserted: int = 0
    organisations_created: int = 0
    users_created: int = 0
    tokens: dict[str, str] = field(default_factory=dict)


def _subject_rows(province: Province) -> list[tuple[int, dict[str, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    for s in province.legal_subjects:
        rows.append(
            (
                len(rows) + 1,
                {
                    "name": s.name,
                    "kind": "legal",
                    "uscc": s.uscc,
                    "legal_form": s.legal_form,
                    "legal_representative": s.legal_representative,
                    "roles": ";".join(s.roles),
                },
            )
        )
    for p in province.natural_subjects:
        rows.append((len(rows) + 1, {"name": p.name, "kind": "natural", "ric": p.ric, "roles": ";".join(p.roles)}))
    return rows


def load_province(
    db: Database, settings: Settings, province: Province, *, tick: Callable[[int], None] | None = None
) -> DemoSummary:
    actor = cli_actor("demo")
    pii = cipher(settings)
    verifier = make_verifier(settings.identity_verifier)
    demo_dir = settings.var_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    registry_file = Path(demo_dir / "registry.csv")
    write_registry_csv(registry_file, province.registry)
    summary = DemoSummary(subjects=importer.ImportSummary(file="demo-province"))
    with unit_of_work(db) as s:
        reg = verification_service.import_registry(s, actor=actor, path=registry_file, cipher=pii)
        summary.registry_inserted = reg.inserted
        org_ids: dict[str, int] = {}
        for o in province.organisations:
            existing = accounts.find_organisation(s, o.name)
            if existing is None:
                existing = accounts.create_organisation(
                    s, actor=actor, kind=o.kind, name=o.name, sector=o.sector, uscc=o.uscc
                )
                summary.organisations_created += 1
            org_ids[o.key] = existing.id

    importer.run_import(
        db,
        actor=actor,
        rows=_subject_rows(province),
        summary=summary.subjects,
        cipher=pii,
        master_key=load_master_key(settings),
        verifier=verifier,
        batch_size=settings.import_batch_size,
        tick=tick,
    )
    with unit_of_work(db) as s:
        for u in province.users:
            if s.scalar(select(User).where(User.username == u.username)) is not None:
                continue
            subject_id = None
            if u.subject_ref:
                subject_id = subject_service.find_by_code(s, code=u.subject_ref, cipher=pii).id
            accounts.create_user(
                s,
                actor=actor,
                username=u.username,
                password=u.password,
                role=Role(u.role),
                display_name=u.display_name,
                organisation_id=org_ids.get(u.organisation_key or ""),
                subject_id=subject_id,
            )
            summary.users_created += 1
        departments = [o.key for o in province.organisations if o.kind == "department"]
        market = "market_regulation" if "market_regulation" in departments else departments[0]
        for role, org_key in ((Role.department, market), (Role.credit_centre, None), (Role.auditor, None)):
            org_id = org_ids[org_key] if org_key else None
            _, secret = accounts.issue_token(
                s, actor=actor, name=f"demo {role}", role=role, organisation_id=org_id, days=30
            )
            summary.tokens[str(role)] = secret
    return summary
