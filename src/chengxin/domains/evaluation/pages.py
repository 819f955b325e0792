"""Evaluation pages (信用评价): the subject's own evaluation and an authorised reader's view. Thin."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.domains.evaluation import service
from chengxin.ids import PathId
from chengxin.security.actor import Actor
from chengxin.security.http import Require, own_subject_id, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]
MAX_MODEL_BYTES = 256 * 1024


@pages.get("/me/evaluation", response_class=HTMLResponse)
def my_evaluation(request: Request, session: DB, actor: Actor = Depends(Require(P.self_read))) -> HTMLResponse:
    ev = service.evaluation_out(session, actor, own_subject_id(actor))
    return render(request, "evaluation.html", {"ev": ev, "own": True})


@pages.get("/subjects/{subject_id}/evaluation", response_class=HTMLResponse)
def subject_evaluation(
    request: Request, subject_id: PathId, session: DB, actor: Actor = Depends(Require(P.evaluations_read))
) -> HTMLResponse:
    ev = service.evaluation_out(session, actor, subject_id)
    return render(request, "evaluation.html", {"ev": ev, "own": False})


@pages.get("/admin/evaluation", response_class=HTMLResponse)
def backtest_page(
    request: Request,
    session: DB,
    actor: Actor = Depends(Require(P.evaluations_read)),
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """评价回测: the grade distribution now and the migration between two dates."""
    from chengxin.domains.evaluation import backtest as bt
    from chengxin.domains.subjects.service import legal_today

    end = end or legal_today()
    start = start or end - timedelta(days=30)
    result = bt.migration(bt.grades_on(session, start), bt.grades_on(session, end), labels=(str(start), str(end)))
    ctx = {"m": result, "start": start, "end": end, "can_try": actor.can(P.evaluations_model)}
    return render(request, "evaluation_backtest.html", ctx)


@pages.post("/admin/evaluation/what-if", response_class=HTMLResponse)
async def what_if_page(
    request: Request, model: Annotated[UploadFile, File()], actor: Actor = Depends(Require(P.evaluations_model))
) -> HTMLResponse:
    """模型调整试算: a candidate model file against the models in force on today's data; nothing is written."""
    import tempfile

    from chengxin.domains.evaluation import backtest as bt
    from chengxin.domains.evaluation.rules import ModelInvalid
    from chengxin.domains.subjects.service import legal_today

    today = legal_today()
    raw = await model.read(MAX_MODEL_BYTES + 1)
    ctx: dict[str, Any] = {
        "m": None,
        "start": today - timedelta(days=30),
        "end": today,
        "can_try": True,
        "problems": [],
    }
    if len(raw) > MAX_MODEL_BYTES:
        ctx["problems"] = [f"the model file is larger than {MAX_MODEL_BYTES // 1024} KiB"]
        return render(request, "evaluation_backtest.html", ctx, status_code=413)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(model.filename or "candidate.toml").name
        path.write_bytes(raw)
        try:
            ctx["m"] = await run_in_threadpool(bt.what_if, state(request).db, path, on=today)
        except ModelInvalid as exc:
            ctx["problems"] = exc.problems
            return render(request, "evaluation_backtest.html", ctx, status_code=422)
    return render(request, "evaluation_backtest.html", ctx)
