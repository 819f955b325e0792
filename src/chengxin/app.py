"""create_app(): routers, pages, error handlers, middleware. Nothing imports this module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from chengxin.bulk import settle_server
from chengxin.config import Settings, get_settings
from chengxin.db import Database, ensure_current, open_database, unit_of_work
from chengxin.domains.accounts.pages import pages as account_pages
from chengxin.domains.accounts.router import router as accounts_router
from chengxin.domains.assessments.pages import pages as assessment_pages
from chengxin.domains.assessments.router import router as assessments_router
from chengxin.domains.attachments.router import router as attachments_router
from chengxin.domains.catalog.pages import pages as catalog_pages
from chengxin.domains.catalog.router import router as catalog_router
from chengxin.domains.checks.lane import PATH as CHECKS_PATH
from chengxin.domains.checks.lane import CheckLane
from chengxin.domains.checks.pages import pages as check_pages
from chengxin.domains.checks.router import router as checks_router
from chengxin.domains.commitments.pages import pages as commitment_pages
from chengxin.domains.commitments.router import router as commitments_router
from chengxin.domains.detection.pages import pages as detection_pages
from chengxin.domains.detection.router import router as detection_router
from chengxin.domains.evaluation.pages import pages as evaluation_pages
from chengxin.domains.evaluation.router import router as evaluation_router
from chengxin.domains.inspections.pages import pages as inspection_pages
from chengxin.domains.inspections.router import router as inspections_router
from chengxin.domains.lists.pages import pages as list_pages
from chengxin.domains.lists.router import router as lists_router
from chengxin.domains.notifications.pages import pages as notification_pages
from chengxin.domains.objections.pages import pages as objection_pages
from chengxin.domains.objections.router import router as objections_router
from chengxin.domains.queries.pages import pages as query_pages
from chengxin.domains.queries.router import router as queries_router
from chengxin.domains.ratings.pages import pages as rating_pages
from chengxin.domains.ratings.router import router as ratings_router
from chengxin.domains.reconciliation.pages import pages as reconciliation_pages
from chengxin.domains.reconciliation.router import router as reconciliation_router
from chengxin.domains.records.router import router as records_router
from chengxin.domains.repair.pages import pages as repair_pages
from chengxin.domains.repair.router import router as repair_router
from chengxin.domains.reports.pages import pages as report_pages
from chengxin.domains.reports.router import router as reports_router
from chengxin.domains.subjects.pages import pages as subject_pages
from chengxin.domains.subjects.router import router as subjects_router
from chengxin.domains.verification.verifiers import make_verifier
from chengxin.errors import Conflict, DomainError, InvalidInput, NotFound
from chengxin.observability import Metrics, ObserveMiddleware, configure_logging, log
from chengxin.ops import metrics_router, public_metrics
from chengxin.ops import router as ops_router
from chengxin.security.crypto import cipher
from chengxin.security.http import AppState, Require
from chengxin.security.router import router as audit_router
from chengxin.templating import render


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _error_response(request: Request, err: DomainError) -> Response:
    request.app.state.metrics.domain_errors.labels(err.code).inc()
    if _wants_html(request):
        return render(
            request,
            "error.html",
            {"title_zh": err.title_zh, "message_zh": err.message_zh, "code": err.code, "status": err.status},
            status_code=err.status,
        )
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    if "retry_after" in err.extra:  # 429: rate-limited
        headers = {"Retry-After": str(err.extra["retry_after"])}
    return JSONResponse(
        err.to_problem(request.url.path), status_code=err.status, media_type="application/problem+json", headers=headers
    )


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI ≥ 0.16x nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def _check_default_deny(app: FastAPI) -> None:
    """Every route must declare its permission with ``Require``; refuse to start otherwise."""
    for route in api_routes(app.routes):
        if not any(isinstance(d.call, Require) for d in route.dependant.dependencies):
            raise RuntimeError(f"route {route.path} declares no permission (default deny)")


def route_permissions(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path, permission) for every API route and page — the route × role test walks it."""
    out = []
    for route in api_routes(app.routes):
        req = next(d.call for d in route.dependant.dependencies if isinstance(d.call, Require))
        for method in sorted(route.methods or ()):
            out.append((method, route.path, req.permission))
    return out


def _lifespan(db: Database, settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The daily jobs run in the background of the server (once per day across all workers)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.jobs_enabled:
            from chengxin.domains.subjects.service import legal_today
            from chengxin.jobs import scheduler

            task = asyncio.create_task(scheduler(db, interval_s=settings.jobs_interval_s, today=legal_today))
        build_check_indexes(db)
        settle_server()
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    return lifespan


def build_check_indexes(db: Database) -> None:
    """The checks' in-memory indexes — the typo-tolerant name index (``subjects.fuzzy``) and the standing
    index (``checks.standing``) — built before the first request rather than in it (about ten and five
    seconds per million subjects)."""
    import time

    from chengxin.domains.checks.service import standing_index
    from chengxin.domains.subjects import fuzzy

    start = time.perf_counter()
    with unit_of_work(db, readonly=True) as session:
        index = fuzzy.index_for(session)
    log.info("name_index_built", names=len(index.ids), seconds=round(time.perf_counter() - start, 2))
    with unit_of_work(db, readonly=True) as session:
        standing_index(session)


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    db = open_database(settings.effective_database_url(), settings.pool())
    if migrate:
        ensure_current(db)
    app = FastAPI(
        title="Chengxin 诚信 — credit-information platform",
        version="0.1.0",
        description="Subjects, identity verification, accounts, the audit chain, the information catalog and "
        "credit records. Errors are problem JSON with a stable `code`.",
        lifespan=_lifespan(db, settings),
    )
    app.state.chengxin = AppState(
        settings=settings, db=db, cipher=cipher(settings), verifier=make_verifier(settings.identity_verifier)
    )
    app.state.metrics = Metrics()
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    metrics = public_metrics if settings.metrics_public else metrics_router
    routers = [subjects_router, ops_router, metrics, accounts_router, audit_router, catalog_router, commitments_router]
    # records_router last among the APIs: its /records/{record_id} must not shadow fixed paths.
    routers += [reconciliation_router, objections_router, repair_router, attachments_router, ratings_router]
    routers += [evaluation_router, inspections_router, assessments_router, lists_router, checks_router]
    routers += [detection_router, queries_router]
    routers += [reports_router]
    routers += [records_router]
    routers += [subject_pages, account_pages, catalog_pages, commitment_pages]
    routers += [reconciliation_pages, objection_pages, repair_pages, notification_pages, rating_pages]
    routers += [evaluation_pages, inspection_pages, assessment_pages, list_pages, check_pages]
    routers += [detection_pages, query_pages]
    routers += [report_pages]
    for r in routers:
        app.include_router(r)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "code": e.get("type"), "detail": e.get("msg")} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "detail": "invalid request"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return _error_response(
            request, InvalidInput(f"{where}: {first['detail']}", code="invalid_request", errors=errors)
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        return _error_response(request, Conflict("the change conflicts with existing data", code="conflict"))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.exception("unhandled_error", method=request.method, route=route, error=type(exc).__name__)
        err = DomainError(
            "an unexpected error occurred; it has been logged", code="internal_error", message_zh="系统内部错误，已记录"
        )
        err.status = 500
        return _error_response(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(request, NotFound(f"no route {request.url.path}", code="route_not_found"))
        if exc.status_code == 405:
            err = DomainError("method not allowed", code="method_not_allowed")
            err.status = 405
            return _error_response(request, err)
        err = DomainError(str(exc.detail))
        err.status = exc.status_code
        return _error_response(request, err)

    checks = next(r for r in api_routes(app.routes) if r.path == CHECKS_PATH and "POST" in (r.methods or ()))
    app.add_middleware(CheckLane, state=app.state.chengxin, route=checks, on_error=_error_response)
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)  # (outermost: added last)
    _check_default_deny(app)
    return app
