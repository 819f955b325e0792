"""List pages (名单公示): the public lists with search, pages and export; one's own listings; the
department's review queue with its actions. Thin."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.lists import rectification, rules, service
from chengxin.domains.lists.models import ListEntry
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import legal_today
from chengxin.ids import PathId
from chengxin.security import masking
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep
from chengxin.security.permissions import Permission as P
from chengxin.templating import render
from chengxin.text import PRINTABLE

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
Kind = Literal["black", "watch", "red"]
PAGE = 50


@dataclass(frozen=True)
class Row:
    e: ListEntry
    name: str
    uscc: str | None
    subject_id: int
    reasons: list[str]


def _rows(session: Session, entries: list[ListEntry], actor: Actor) -> list[Row]:
    """Rows with each subject's name as this actor sees it (a person's masked by the masking policy)."""
    out = []
    for e in entries:
        s = session.get_one(Subject, e.subject_id)
        name = masking.show_name(s.kind, s.name, role=actor.role, purpose=actor.purpose, own=actor.is_self(s.id))
        out.append(Row(e, name, s.uscc, s.id, [b["criterion"] for b in e.basis]))
    return out


def _person_names(actor: Actor) -> bool:
    """Whether ``q`` may match persons' names: only for those who see them whole (no "is X listed?" oracle)."""
    return masking.reveals(masking.Field.person_name, role=actor.role, purpose=actor.purpose)


@pages.get("/lists", response_class=HTMLResponse)
def lists_index(request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    counts = {k: service.published(session, k, size=1)[0] for k in rules.KINDS}
    return render(request, "lists.html", {"counts": counts, "kind_zh": service.KIND_ZH})


@pages.get("/lists/{kind}", response_class=HTMLResponse)
def list_page(
    request: Request,
    kind: Kind,
    session: DB,
    q: Annotated[str, Query(max_length=100, pattern=PRINTABLE)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    actor: Actor = Depends(Require(P.public_read)),
) -> HTMLResponse:
    total, entries = service.published(session, kind, q=q, page=page, size=PAGE, person_names=_person_names(actor))
    ctx = {
        "kind": kind,
        "kind_zh": service.KIND_ZH,
        "q": masking.echo_query(q, role=actor.role, purpose=actor.purpose),
        "page": page,
        "total": total,
        "pages": max(1, -(-total // PAGE)),
        "rows": _rows(session, entries, actor),
    }
    return render(request, "list_kind.html", ctx)


@pages.get("/lists/{kind}/export.csv")
def export(
    kind: Kind,
    session: DB,
    q: Annotated[str, Query(max_length=100, pattern=PRINTABLE)] = "",
    actor: Actor = Depends(Require(P.public_read)),
) -> Response:
    """The whole published list (filtered by ``q``) as CSV."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["名单", "主体名称", "统一社会信用代码", "列入事由", "公示日期", "公示截止"])
    page = 1
    while True:
        _, entries = service.published(session, kind, q=q, page=page, size=1000, person_names=_person_names(actor))
        for r in _rows(session, entries, actor):
            reasons = "；".join(r.reasons)
            w.writerow([service.KIND_ZH[kind], r.name, r.uscc or "", reasons, r.e.published_on, r.e.ends_on])
        if len(entries) < 1000:
            break
        page += 1
    headers = {"Content-Disposition": f'attachment; filename="list-{kind}.csv"'}
    return Response(buf.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)


@pages.get("/me/lists", response_class=HTMLResponse)
def my_lists(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    sid = own_subject_id(actor)
    entries = service.for_subject(session, sid)
    ctx = {
        "rectifications": {r.list_entry_id: r for r in rectification.ledger_of(session, sid)},
        "rows": _rows(session, entries, actor),
        "kind_zh": service.KIND_ZH,
        "status_zh": rules.STATUS_ZH,
        "removal_zh": rules.REMOVAL_ZH,
        "today": legal_today(),
    }
    return render(request, "me_lists.html", ctx)


@pages.get("/admin/lists", response_class=HTMLResponse)
def queue_page(request: Request, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> HTMLResponse:
    ctx = {
        "rows": _rows(session, service.queue(session, actor), actor),
        "kind_zh": service.KIND_ZH,
        "status_zh": rules.STATUS_ZH,
    }
    return render(request, "lists_admin.html", ctx)


@pages.post("/admin/lists/{entry_id}")
def queue_action(
    entry_id: PathId,
    session: DB,
    action: Annotated[Literal["approve", "reject", "notify", "uphold", "dismiss"], Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = Depends(Require(P.lists_review)),
) -> RedirectResponse:
    """The queue's buttons: review, notify, decide an objection."""
    text = note.strip() or "—"
    if action in ("approve", "reject"):
        service.review(session, actor, entry_id, approve=action == "approve", note=text)
    elif action == "notify":
        service.notify(session, actor, entry_id, today=legal_today())
    else:
        service.decide_objection(session, actor, entry_id, upheld=action == "uphold", answer=text)
    return RedirectResponse("/admin/lists", status_code=303)


@pages.get("/rectifications/{rectification_id}/{document}", response_class=HTMLResponse)
def rectification_document(
    request: Request,
    rectification_id: PathId,
    document: Literal["notice", "commitment"],
    session: DB,
    actor: Actor = Depends(Require(P.public_read)),
) -> HTMLResponse:
    """The rectification notice (整改通知书) or the commitment letter (信用承诺书) as a print view; the
    subject's own, or any for holders of ``lists:review``."""
    r = rectification.get(session, actor, rectification_id)
    entry = session.get_one(ListEntry, r.list_entry_id)
    ctx = {
        "r": r,
        "e": entry,
        "s": session.get_one(Subject, r.subject_id),
        "kind": service.current_rules(session).lists[entry.list_kind],
        "document": document,
        "steps": service.current_rules(session).escalation,
    }
    return render(request, "rectification_print.html", ctx)


@pages.get("/admin/rectifications", response_class=HTMLResponse)
def ledger_page(request: Request, session: DB, actor: Actor = Depends(Require(P.lists_review))) -> HTMLResponse:
    """整改台账: every rectification, its due date and status, and the open escalation tasks."""
    rows = [(r, session.get_one(Subject, r.subject_id)) for r in rectification.ledger(session)]
    ctx = {
        "rows": rows,
        "tasks": rectification.tasks(session),
        "steps": service.current_rules(session).escalation,
        "today": legal_today(),
    }
    return render(request, "rectifications_admin.html", ctx)
