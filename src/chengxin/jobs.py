"""Scheduled jobs (定时任务): the platform's daily work, run once per day across all processes.

``chengxin serve`` runs them in the background (every ``CHENGXIN_JOBS_INTERVAL_S`` seconds it checks
whether today's runs are done); ``chengxin jobs run`` runs them from cron instead. A run is claimed by
inserting a (job, day) row, so with several workers or servers exactly one runs each job per day.

Jobs so far: ``records.expire`` — the publicity job (stop publishing records whose period ended);
``deadlines.check`` — log overdue objections and repair applications, and a missing calendar;
``ratings.defaults`` — default ratings for orders whose rating window lapsed (默认评价);
``evaluations.refresh`` — evaluations left stale by the day's large changes; ``assessments.quarterly`` —
the last complete quarter's platform and logistics assessments drafted once, for review and publication;
``queries.retention`` — query records older than the retention period deleted.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from chengxin.db import Base, Database, UTCDateTime, unit_of_work, utcnow
from chengxin.observability import log
from chengxin.security.actor import Actor, cli_actor


class JobRun(Base):
    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    runner: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def _expire(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    from chengxin.workflows.withdrawal import expire_all

    return {"expired": expire_all(db, actor=actor, today=day)}


def _deadlines(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Log what is overdue today (the queue pages flag it too) and a missing next-year calendar."""
    from chengxin.workflows.deadlines import check

    with unit_of_work(db, readonly=True) as session:
        report = check(session, day)
    summary = {k: v for k, v in report.as_dict().items() if k != "items"}
    if report.late or report.next_year_calendar == "unknown":
        log.warning("deadlines_overdue", **summary)
    return summary


def _rating_defaults(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Default ratings (默认评价) for the orders whose rating window lapsed by yesterday's end."""
    from datetime import timedelta

    from chengxin.domains.ratings.defaults import apply_defaults
    from chengxin.domains.ratings.rules import load_rules

    with unit_of_work(db) as session:
        given = apply_defaults(session, day - timedelta(days=1), policy=load_rules(), now=utcnow(), actor=actor)
    return {"given": given}


def _evaluations(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Refresh the evaluations left stale by the day's large changes (expiries, imports)."""
    from chengxin.domains.evaluation.service import refresh_stale

    step, total = 2_000, 0  # subjects per transaction
    while True:
        with unit_of_work(db) as session:
            done = refresh_stale(session, on=day, limit=step)
        total += done
        if done < step:
            return {"refreshed": total}


def _assessments(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Draft the last complete quarter's platform and logistics assessments once, for the centre to review
    and publish (a published or already drafted quarter is left alone)."""
    from sqlalchemy import func

    from chengxin.domains.assessments import rules, service
    from chengxin.domains.assessments.models import Assessment

    period = rules.last_complete_quarter(day)
    with unit_of_work(db) as session:
        if session.scalar(select(func.count()).where(Assessment.period == period)):
            return {"period": period, "drafted": 0}
        return {"period": period, "drafted": len(service.run(session, actor, period, today=day))}


def _lists(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Lists: publish listings whose objection window closed, remove those that ended, propose candidates."""
    from chengxin.domains.lists import rectification, service

    with unit_of_work(db) as session:
        due = service.run_due(session, actor, today=day)
        overdue = rectification.escalate_overdue(session, actor, today=day)
        proposed = service.propose(session, actor, today=day)
    return {"published": due.published, "removed": due.removed, "proposed": proposed.by_kind,
            "rectifications_overdue": overdue}  # fmt: skip


def _standing_changes(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """The checks' change feed: changes older than a week are deleted (each server has read them)."""
    from chengxin.domains.checks import standing

    with unit_of_work(db) as session:
        return {"pruned": standing.prune(session)}


def _query_retention(db: Database, actor: Actor, day: date) -> dict[str, Any]:
    """Query records (查询登记) older than ``CHENGXIN_QUERY_RETENTION_YEARS`` are deleted."""
    from chengxin.config import get_settings
    from chengxin.domains.queries import retention

    with unit_of_work(db) as session:
        return retention.purge(session, actor=actor, now=utcnow(), years=get_settings().query_retention_years)


JOBS: dict[str, Callable[[Database, Actor, date], dict[str, Any]]] = {
    "records.expire": _expire,
    "deadlines.check": _deadlines,
    "ratings.defaults": _rating_defaults,
    "evaluations.refresh": _evaluations,
    "assessments.quarterly": _assessments,
    "lists.daily": _lists,
    "checks.prune_changes": _standing_changes,
    "queries.retention": _query_retention,
}


@dataclass
class Outcome:
    job: str
    day: date
    ran: bool  # False: another process had already claimed today's run
    result: dict[str, Any] | None = None


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


STALE_AFTER_S = 2 * 3600  # a claimed run unfinished this long is taken over (its process died)


def claim(db: Database, job: str, day: date) -> bool:
    """Claim the day's run of ``job``; False when another process has it (or has done it)."""
    try:
        with unit_of_work(db) as session:
            session.add(JobRun(job=job, day=day, runner=_runner()))
            session.flush()
        return True
    except IntegrityError:
        pass
    with unit_of_work(db) as session:
        row = session.get(JobRun, (job, day), with_for_update=True)
        if row is None or row.finished_at is not None:
            return False
        if (utcnow() - row.started_at).total_seconds() < STALE_AFTER_S:
            return False
        row.runner, row.started_at = _runner(), utcnow()
        return True


def run_due(db: Database, *, day: date, force: bool = False, actor: Actor | None = None) -> list[Outcome]:
    """Run every job not yet run for ``day`` (all of them with ``force``)."""
    actor = actor or cli_actor("jobs")
    outcomes: list[Outcome] = []
    for name, job in JOBS.items():
        if not claim(db, name, day) and not force:
            outcomes.append(Outcome(name, day, ran=False))
            continue
        result = job(db, actor, day)
        with unit_of_work(db) as session:
            row = session.get(JobRun, (name, day))
            if row is not None:
                row.finished_at, row.result = utcnow(), result
        log.info("job finished", job=name, day=day.isoformat(), **result)
        outcomes.append(Outcome(name, day, ran=True, result=result))
    return outcomes


def last_runs(session: Session, limit: int = 20) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.day.desc(), JobRun.job).limit(limit)))


async def scheduler(db: Database, *, interval_s: float, today: Callable[[], date]) -> None:
    """Background loop inside ``chengxin serve``: run today's jobs if no process has yet."""
    actor = Actor(role=cli_actor().role, label="job:scheduler", permissions=cli_actor().permissions, purpose="jobs")
    while True:
        try:
            await asyncio.to_thread(run_due, db, day=today(), actor=actor)
        except Exception:  # a failed run is logged; the next check tries again tomorrow's or retries
            log.exception("scheduled jobs failed")
        await asyncio.sleep(interval_s)
