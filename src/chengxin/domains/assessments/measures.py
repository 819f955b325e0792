"""What an assessment measures, read from the database for one period: per platform its orders,
merchants' grades, complaints and their handling; per logistics company its waybills, delivery times,
parcel ratings and complaints; for both the notices they missed and the warnings they received.

Merchants' grades are their current evaluations (the grade a consumer sees when the bulletin is
published); everything else is counted within the period (Beijing days).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from chengxin.domains.accounts.models import Organisation
from chengxin.domains.assessments import rules
from chengxin.domains.assessments.models import Complaint, PlatformNotice
from chengxin.domains.evaluation.models import Evaluation
from chengxin.domains.market.models import MarketAccount, Order, TrackingEvent, Waybill
from chengxin.domains.ratings.models import Rating
from chengxin.domains.subjects.models import Subject, SubjectRole

ROLE_OF_KIND = {"platform": "platform_operator", "logistics": "logistics_company"}
Handled = tuple[datetime, datetime | None, str]  # a complaint's received_at, responded_at, outcome


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # the day after the last
    start_at: datetime
    end_at: datetime
    assessed_at: datetime  # "now": complaints still unanswered past their limit at this time are late

    @classmethod
    def of(cls, name: str, assessed_at: datetime | None = None) -> Period:
        start, end = rules.parse_period(name)
        start_at, end_at = rules.bounds_utc(start, end)
        return cls(
            name=name.upper(),
            start=start,
            end=end,
            start_at=start_at,
            end_at=end_at,
            assessed_at=assessed_at or datetime.now(UTC),
        )


def assessed_subjects(session: Session, kind: str) -> list[Subject]:
    stmt = (
        select(Subject)
        .join(SubjectRole, SubjectRole.subject_id == Subject.id)
        .where(SubjectRole.role == ROLE_OF_KIND[kind])
        .order_by(Subject.id)
    )
    return list(session.scalars(stmt))


def platform_ids(session: Session) -> dict[str, list[str]]:
    """USCC → the platform ids (organisation codes) its marketplace data carries."""
    out: dict[str, list[str]] = defaultdict(list)
    stmt = select(Organisation.uscc, Organisation.code).where(
        Organisation.kind == "platform", Organisation.uscc.is_not(None), Organisation.code.is_not(None)
    )
    for uscc, code in session.execute(stmt):
        out[str(uscc)].append(str(code))
    return out


def _late(received: datetime, responded: datetime | None, limit: timedelta, now: datetime) -> bool:
    if responded is None:
        return received + limit < now
    return responded - received > limit


def complaint_measures(rows: Iterable[Handled], limit_hours: int, now: datetime) -> dict[str, Any]:
    """From (received_at, responded_at, outcome) rows: counts, late share, median hours to respond."""
    limit = timedelta(hours=limit_hours)
    total = upheld = late = 0
    hours: list[float] = []
    for received, responded, outcome in rows:
        total += 1
        upheld += outcome == "upheld"
        late += _late(received, responded, limit, now)
        if responded is not None:
            hours.append((responded - received).total_seconds() / 3600)
    return {
        "complaints": total,
        "complaints_upheld": upheld,
        "complaints_late": late,
        "late_response_percent": rules.percent(late, total),
        "median_response_hours": round(median(hours), 1) if hours else None,
    }


def notice_measures(session: Session, subject_id: int, p: Period) -> dict[str, Any]:
    """Notices due in the period and those not answered by their due date; warnings received."""
    due = session.execute(
        select(PlatformNotice.due_on, PlatformNotice.answered_at).where(
            PlatformNotice.subject_id == subject_id, PlatformNotice.due_on >= p.start, PlatformNotice.due_on < p.end
        )
    ).all()
    today = p.assessed_at.astimezone(rules.BEIJING).date()
    missed = sum(
        1
        for due_on, answered in due
        if (answered is None and due_on < today)
        or (answered is not None and answered.astimezone(rules.BEIJING).date() > due_on)
    )
    warnings = session.scalar(
        select(func.count()).where(
            PlatformNotice.subject_id == subject_id,
            PlatformNotice.kind == "warning",
            PlatformNotice.issued_on >= p.start,
            PlatformNotice.issued_on < p.end,
        )
    )
    return {"notices_due": len(due), "notices_missed": missed, "warnings": int(warnings or 0)}


def complaints_by(session: Session, respondent: Any, p: Period) -> dict[str, list[Handled]]:
    """The period's complaints by respondent (a platform id or a carrier's USCC)."""
    out: dict[str, list[Handled]] = defaultdict(list)
    stmt = select(respondent, Complaint.received_at, Complaint.responded_at, Complaint.outcome).where(
        respondent.is_not(None), Complaint.received_at >= p.start_at, Complaint.received_at < p.end_at
    )
    for who, received, responded, outcome in session.execute(stmt):
        out[str(who)].append((received, responded, outcome))
    return out


def own_grades(session: Session, subject_ids: list[int]) -> dict[int, str]:
    stmt = select(Evaluation.subject_id, Evaluation.grade).where(Evaluation.subject_id.in_(subject_ids))
    return dict(session.execute(stmt).tuples().all())


def platform_measures(session: Session, p: Period, handling: rules.Handling) -> dict[int, dict[str, Any]]:
    subjects = assessed_subjects(session, "platform")
    ids_of = platform_ids(session)
    orders = dict(
        session.execute(
            select(Order.platform_id, func.count())
            .where(Order.created_at >= p.start_at, Order.created_at < p.end_at)
            .group_by(Order.platform_id)
        )
        .tuples()
        .all()
    )
    grades: dict[str, Counter[str]] = defaultdict(Counter)
    stmt = (
        select(MarketAccount.platform_id, Evaluation.grade, func.count(func.distinct(MarketAccount.subject_id)))
        .join(Evaluation, Evaluation.subject_id == MarketAccount.subject_id)
        .where(MarketAccount.role == "seller")
        .group_by(MarketAccount.platform_id, Evaluation.grade)
    )
    for pid, grade, n in session.execute(stmt):
        grades[pid][grade] += n
    sellers = dict(
        session.execute(
            select(MarketAccount.platform_id, func.count())
            .where(MarketAccount.role == "seller")
            .group_by(MarketAccount.platform_id)
        )
        .tuples()
        .all()
    )
    complaints = complaints_by(session, Complaint.platform_id, p)
    own = own_grades(session, [s.id for s in subjects])
    out: dict[int, dict[str, Any]] = {}
    for s in subjects:
        pids = sorted(ids_of.get(s.uscc or "", []))
        n_orders = sum(orders.get(pid, 0) for pid in pids)
        g: Counter[str] = sum((grades[pid] for pid in pids), Counter())
        graded = sum(g.values())
        c = complaint_measures(
            (row for pid in pids for row in complaints[pid]), handling.response_limit_hours, p.assessed_at
        )
        out[s.id] = {
            "platform_ids": pids,
            "orders": n_orders,
            "merchants": sum(sellers.get(pid, 0) for pid in pids),
            "merchants_graded": graded,
            "merchant_grades": dict(sorted(g.items())),
            "poor_merchant_percent": rules.percent(g["C"] + g["D"], graded),
            **c,
            "complaints_per_10k": rules.per_10k(c["complaints"], n_orders),
            **notice_measures(session, s.id, p),
            "own_grade": own.get(s.id),
        }
    return out


def logistics_measures(session: Session, p: Period, handling: rules.Handling) -> dict[int, dict[str, Any]]:
    subjects = assessed_subjects(session, "logistics")
    usccs = [s.uscc for s in subjects if s.uscc]
    signed = (
        select(TrackingEvent.waybill_no, func.min(TrackingEvent.event_time).label("signed_at"))
        .where(TrackingEvent.event_type == "signed")
        .group_by(TrackingEvent.waybill_no)
        .subquery()
    )
    in_period = and_(Waybill.created_at >= p.start_at, Waybill.created_at < p.end_at, Waybill.carrier_uscc.in_(usccs))
    waybills: Counter[str] = Counter()
    late: Counter[str] = Counter()
    hours: dict[str, list[float]] = defaultdict(list)
    stmt = (
        select(
            Waybill.carrier_uscc, Waybill.created_at, signed.c.signed_at, Waybill.origin_division, Waybill.dest_division
        )
        .outerjoin(signed, signed.c.waybill_no == Waybill.waybill_no)
        .where(in_period)
    )
    for carrier, created, signed_at, origin, dest in session.execute(stmt).yield_per(20_000):
        waybills[carrier] += 1
        limit = timedelta(hours=rules.delivery_limit(handling, origin, dest))
        late[carrier] += _late(created, signed_at, limit, p.assessed_at)
        if signed_at is not None:
            hours[carrier].append((signed_at - created).total_seconds() / 3600)
    rated: dict[str, tuple[int, int]] = {}
    poor = func.sum(case((Rating.dsr_logistics <= handling.poor_logistics_rating, 1), else_=0))
    stmt3 = (
        select(Waybill.carrier_uscc, func.count(Rating.dsr_logistics), poor)
        .join(Order, Order.waybill_no == Waybill.waybill_no)
        .join(Rating, Rating.order_id == Order.order_id)
        .where(in_period, Rating.is_current.is_(True), Rating.dsr_logistics.is_not(None))
        .group_by(Waybill.carrier_uscc)
    )
    for carrier, n, bad in session.execute(stmt3):
        rated[carrier] = (int(n), int(bad or 0))
    complaints = complaints_by(session, Complaint.carrier_uscc, p)
    own = own_grades(session, [s.id for s in subjects])
    out: dict[int, dict[str, Any]] = {}
    for s in subjects:
        u = s.uscc or ""
        n, (n_rated, n_poor) = waybills[u], rated.get(u, (0, 0))
        c = complaint_measures(complaints[u], handling.response_limit_hours, p.assessed_at)
        out[s.id] = {
            "waybills": n,
            "late_deliveries": late[u],
            "late_delivery_percent": rules.percent(late[u], n),
            "median_delivery_hours": round(median(hours[u]), 1) if hours[u] else None,
            "rated_parcels": n_rated,
            "poor_ratings": n_poor,
            "poor_rating_percent": rules.percent(n_poor, n_rated),
            **c,
            "complaints_per_10k": rules.per_10k(c["complaints"], n),
            **notice_measures(session, s.id, p),
            "own_grade": own.get(s.id),
        }
    return out
