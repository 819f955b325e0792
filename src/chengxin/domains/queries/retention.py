"""Retention of the query register (查询记录留存): query records are kept ``CHENGXIN_QUERY_RETENTION_YEARS``
(default 5, the credit-reporting rules' minimum) and then deleted by the daily ``queries.retention`` job;
closed alerts go with them. The audit chain keeps its own entries (it is append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from chengxin.db import rowcount
from chengxin.domains.queries.models import QueryAlert, QueryRecord
from chengxin.security import audit
from chengxin.security.actor import Actor


def cutoff(now: datetime, years: int) -> datetime:
    """The moment ``years`` before ``now`` (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def purge(session: Session, *, actor: Actor, now: datetime, years: int) -> dict[str, int]:
    """Delete the query records and closed alerts older than the retention period (audited)."""
    before = cutoff(now, years)
    records = rowcount(session.execute(delete(QueryRecord).where(QueryRecord.at < before)))
    alerts = rowcount(
        session.execute(delete(QueryAlert).where(QueryAlert.status != "open", QueryAlert.last_at < before))
    )
    if records or alerts:
        audit.record(
            session,
            actor,
            audit.Event("query.purge", object_type="query_records",
                        detail={"before": before.isoformat(), "records": records, "alerts": alerts}),
        )  # fmt: skip
    return {"records_deleted": records, "alerts_deleted": alerts}
