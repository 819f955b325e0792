"""Operations endpoints: health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from chengxin.db import unit_of_work
from chengxin.observability import exposition
from chengxin.security.actor import Actor
from chengxin.security.http import Require, state
from chengxin.security.permissions import Permission as P

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(request: Request, actor: Actor = Depends(Require(P.public_read))) -> dict[str, str]:
    """Liveness and database reachability."""
    st = state(request)
    with unit_of_work(st.db, readonly=True) as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok", "database": st.db.dialect}


def _metrics(request: Request) -> Response:
    return Response(exposition(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)


metrics_router = APIRouter()


@metrics_router.get("/metrics", include_in_schema=False)
def metrics(request: Request, actor: Actor = Depends(Require(P.ops_metrics))) -> Response:
    """Prometheus metrics (a credit-centre or auditor token; see ``metrics_public``)."""
    return _metrics(request)


public_metrics = APIRouter()


@public_metrics.get("/metrics", include_in_schema=False)
def metrics_open(request: Request, actor: Actor = Depends(Require(P.public_read))) -> Response:
    return _metrics(request)
