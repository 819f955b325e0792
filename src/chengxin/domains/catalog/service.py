"""The catalog in force, and edits to it (each a new, audited version)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.domains.catalog import rules
from chengxin.domains.catalog.models import CatalogVersion
from chengxin.errors import InvalidInput, NotFound
from chengxin.security import audit
from chengxin.security.actor import Actor

# Versions never change, so a parsed one is kept, known by its number and creation time (a process
# may see several databases — tests do — whose version 2 differ).
_parsed: dict[tuple[int, str], rules.Catalog] = {}


def _parse(row: CatalogVersion) -> rules.Catalog:
    key = (row.version, row.created_at.isoformat())
    cat = _parsed.get(key)
    if cat is None:
        cat = rules.parse_catalog(row.content, version=row.version)
        _parsed[key] = cat
    return cat


@cache
def _shipped() -> rules.Catalog:
    """The shipped defaults, parsed once (a check reads the catalog on every request)."""
    return rules.parse_catalog(rules.default_catalog_source(), version=1)


def current_version(session: Session) -> int | None:
    return session.scalar(select(func.max(CatalogVersion.version)))


def active_catalog(session: Session) -> rules.Catalog:
    """The catalog in force: the highest stored version, or the shipped defaults (as version 1)
    while none is stored yet."""
    head = session.execute(
        select(CatalogVersion.version, CatalogVersion.created_at).order_by(CatalogVersion.version.desc()).limit(1)
    ).first()
    if head is None:
        return _shipped()
    cached = _parsed.get((head.version, head.created_at.isoformat()))
    if cached is not None:
        return cached
    row = session.get(CatalogVersion, head.version)
    assert row is not None
    return _parse(row)


def catalog_version(session: Session, version: int) -> rules.Catalog:
    row = session.get(CatalogVersion, version)
    if row is None:
        raise NotFound(f"no catalog version {version}", code="catalog_version_not_found", message_zh="目录版本不存在")
    return _parse(row)


def ensure_stored(session: Session, actor: Actor) -> rules.Catalog:
    """Store the shipped defaults as version 1 if no version is stored yet (before the first record)."""
    if current_version(session) is None:
        _store(session, actor, rules.as_config(active_catalog(session)), note="默认目录 default catalog", version=1)
    return active_catalog(session)


def _store(session: Session, actor: Actor, content: dict[str, Any], *, note: str, version: int) -> rules.Catalog:
    try:
        parsed = rules.parse_catalog(content, version=version)
    except rules.CatalogError as exc:
        raise InvalidInput(str(exc), code="invalid_catalog", message_zh="信用信息目录配置有误") from exc
    stored = rules.as_config(parsed)
    row = CatalogVersion(version=version, content=stored, note=note[:300], created_by=actor.label)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Event("catalog.version", object_type="catalog", object_id=version, detail={"note": note}),
    )
    return _parse(row)


def replace_catalog(session: Session, actor: Actor, content: dict[str, Any], *, note: str) -> rules.Catalog:
    """A whole new catalog (``chengxin catalog load FILE``)."""
    ensure_stored(session, actor)
    return _store(session, actor, content, note=note, version=(current_version(session) or 0) + 1)


def put_type(session: Session, actor: Actor, code: str, raw: dict[str, Any], *, note: str = "") -> rules.Catalog:
    """Add or change one record type: a new catalog version with the type replaced."""
    current = ensure_stored(session, actor)
    raw = {**raw, "code": code}
    try:
        new_type = rules.parse_type(raw)
    except rules.CatalogError as exc:
        raise InvalidInput(str(exc), code="invalid_record_type", message_zh="记录类型配置有误") from exc
    content = rules.as_config(current)
    types = [t for t in content["types"] if t["code"] != code]
    old = next((t for t in content["types"] if t["code"] == code), None)
    position = content["types"].index(old) if old is not None else len(types)
    types.insert(position, new_type.to_dict())
    content["types"] = types
    note = note or (f"修改记录类型 {code}" if old else f"新增记录类型 {code}")
    return _store(session, actor, content, note=note, version=current.version + 1)


def put_regimes(session: Session, actor: Actor, raw: dict[str, Any], *, note: str = "") -> rules.Catalog:
    current = ensure_stored(session, actor)
    content = rules.as_config(current)
    content["regimes"] = raw
    return _store(session, actor, content, note=note or "修改公示期规则", version=current.version + 1)


def history(session: Session) -> list[CatalogVersion]:
    return list(session.scalars(select(CatalogVersion).order_by(CatalogVersion.version.desc())))
