"""Structured logs (structlog) and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

from chengxin.config import Settings


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))  # no migration chatter
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


log = structlog.get_logger("chengxin")


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_metrics(settings: Settings) -> None:
    """Several server workers: each writes its metrics under ``<var_dir>/prometheus`` and
    /metrics adds them up (prometheus-client's multiprocess mode). Called before the workers
    start, so their prometheus-client sees the folder."""
    path = settings.var_dir / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path.resolve())


class Metrics:
    """One registry per app, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chengxin_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "chengxin_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.domain_errors = Counter(
            "chengxin_domain_errors_total", "Domain errors by code", ["code"], registry=self.registry
        )


class ObserveMiddleware:
    """Pure ASGI middleware (cheaper than ``BaseHTTPMiddleware``): metrics per route template,
    a ``nosniff`` header, a ``Server-Timing: app;dur=…`` header (milliseconds from the request's arrival
    to the response's start: body read, validation, the work and the serialisation), and a log line
    that names the route template, never the URL — paths can carry identity numbers."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                ms = (time.perf_counter() - start) * 1000
                message.setdefault("headers", []).extend(
                    ((b"x-content-type-options", b"nosniff"), (b"server-timing", b"app;dur=%.2f" % ms))
                )
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if status >= 500:
                log.error("request_failed", method=method, route=route, status=status)
            else:
                log.debug("request", method=method, route=route, status=status, ms=round(elapsed * 1000, 2))


def exposition(metrics: Metrics) -> bytes:
    """The Prometheus text for /metrics: this process, or all workers in multiprocess mode."""
    from prometheus_client import generate_latest

    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(metrics.registry)
