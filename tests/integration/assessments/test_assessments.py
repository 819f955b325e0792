"""Platform and logistics assessments on both databases: complaints arrive by API (a platform's own only)
and by file, departments' notices are answered, the centre assesses the third quarter — every measure
as counted by hand below — publishes it, and the public reads and exports the bulletin."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from chengxin.app import create_app
from chengxin.db import unit_of_work
from chengxin.domains.assessments import service
from chengxin.domains.assessments.models import Assessment, Complaint, PlatformNotice
from chengxin.domains.assessments.rules import DEFAULTS
from chengxin.errors import Conflict, InvalidInput
from chengxin.jobs import run_due
from chengxin.security.audit import AuditEntry
from chengxin.security.permissions import Role
from tests.integration.assessments.conftest import ACTOR, Q3, TODAY, USCC, Market, T

H = timedelta(hours=1)


def _auth(m: Market, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {m.tokens[role]}"}


def _complaint(no: str, received: datetime, responded: timedelta | None, outcome: str, **kw: Any) -> dict[str, Any]:
    row = {
        "complaint_no": no,
        "channel": "12315",
        "platform_id": "P1",
        "seller_account_id": "S1",
        "received_at": received.isoformat(),
        "responded_at": (received + responded).isoformat() if responded else None,
        "closed_at": (received + responded + 24 * H).isoformat() if responded and outcome != "pending" else None,
        "outcome": outcome,
    }
    return row | kw


def _feed(m: Market, client: TestClient) -> None:
    """Four P1 complaints in Q3 (two answered in time, one after 60 h, one never), one in Q2, one about the
    carrier; a rectification notice answered late and a warning answered in time."""
    rows = [
        _complaint("C1", T + 24 * H, 5 * H, "upheld"),
        _complaint("C2", T + 48 * H, 10 * H, "not_upheld"),
        _complaint("C3", T + 72 * H, 60 * H, "mediated"),
        _complaint("C4", T + 96 * H, None, "pending"),
        _complaint("C5", T - timedelta(days=60), 2 * H, "upheld"),
    ]
    r = client.post("/api/v1/complaints", json={"complaints": rows}, headers=_auth(m, Role.platform))
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 5 and r.json()["rejected"] == 0
    carrier_row = _complaint(
        "C6", T + 120 * H, 3 * H, "upheld", platform_id=None, seller_account_id=None, carrier_uscc=USCC["carrier"]
    )
    r = client.post("/api/v1/complaints", json={"complaints": [carrier_row]}, headers=_auth(m, Role.department))
    assert r.json()["inserted"] == 1, r.text
    dept = _auth(m, Role.department)
    late = {
        "subject_id": m.ids["P1"],
        "kind": "rectification",
        "title": "整改通知",
        "text": "请整改",
        "issued_on": "2026-08-10",
        "due_on": "2026-08-25",
    }
    warning = late | {"kind": "warning", "title": "警示约谈", "issued_on": "2026-09-01", "due_on": "2026-09-10"}
    first = client.post("/api/v1/notices", json=late, headers=dept)
    second = client.post("/api/v1/notices", json=warning, headers=dept)
    assert first.status_code == second.status_code == 201, first.text
    for n in (first.json(), second.json()):
        r = client.post(f"/api/v1/notices/{n['id']}/answer", json={"answer": "已整改"}, headers=_auth(m, Role.platform))
        assert r.status_code == 200, r.text
    with unit_of_work(m.db) as s:  # the warning's answer came in time (history: it was answered on 5 September)
        n = s.get(PlatformNotice, second.json()["id"])
        assert n is not None
        n.answered_at = datetime(2026, 9, 5, 2, 0, tzinfo=UTC)


def test_assessed_as_counted_by_hand_published_and_exported(market: Market) -> None:
    m = market
    with TestClient(create_app(m.settings)) as client:
        _feed(m, client)
        centre = _auth(m, Role.credit_centre)
        r = client.post("/api/v1/assessments/runs", json={"period": "2026q3"}, headers=centre)
        assert r.status_code == 200, r.text
        got = {a["subject_id"]: a for a in r.json()}
        assert set(got) == {m.ids["P1"], m.ids["P2"], m.ids["carrier"]}  # P3 had no orders: not assessed

        p1 = got[m.ids["P1"]]["measures"]
        assert (p1["orders"], p1["merchants"], p1["merchants_graded"], p1["merchant_grades"]) == (
            40,
            2,
            2,
            {"A": 1, "D": 1},
        )
        assert p1["poor_merchant_percent"] == 50.0
        assert (p1["complaints"], p1["complaints_upheld"], p1["complaints_late"]) == (4, 1, 2)
        assert p1["complaints_per_10k"] == 1000.0 and p1["late_response_percent"] == 50.0
        assert p1["median_response_hours"] == 10.0
        assert (p1["notices_due"], p1["notices_missed"], p1["warnings"], p1["own_grade"]) == (2, 1, 1, "B")
        points = {line["key"]: line["points"] for line in got[m.ids["P1"]]["indicators"]}
        assert points == {
            "poor_merchants": -25,
            "complaint_rate": -20,
            "late_responses": -15,
            "notices_missed": -5,
            "warnings": -5,
            "own_grade": -5,
        }
        assert (got[m.ids["P1"]]["score"], got[m.ids["P1"]]["grade"]) == (25.0, "D")
        assert "已达上限" in next(x["why"] for x in got[m.ids["P1"]]["indicators"] if x["key"] == "poor_merchants")

        p2 = got[m.ids["P2"]]
        assert (p2["measures"]["orders"], p2["measures"]["poor_merchant_percent"], p2["score"], p2["grade"]) == (
            10,
            0.0,
            100.0,
            "A",
        )
        assert "无数据" in next(x["why"] for x in p2["indicators"] if x["key"] == "late_responses")

        c = got[m.ids["carrier"]]
        cm = c["measures"]
        assert (cm["waybills"], cm["late_deliveries"], cm["late_delivery_percent"]) == (40, 20, 50.0)
        assert cm["median_delivery_hours"] == 30.0
        assert (cm["rated_parcels"], cm["poor_ratings"], cm["poor_rating_percent"]) == (20, 2, 10.0)
        assert (cm["complaints"], cm["complaints_per_10k"], cm["late_response_percent"]) == (1, 250.0, 0.0)
        assert {x["key"]: x["points"] for x in c["indicators"] if x["points"]} == {
            "late_delivery": -20,
            "poor_ratings": -10,
            "complaint_rate": -15,
        }
        assert (c["score"], c["grade"]) == (55.0, "D")
        for a in got.values():  # every explanation adds up to the score
            assert a["score"] == round(100 + sum(x["points"] for x in a["indicators"]), 2)

        # drafts are the centre's: the public sees nothing yet
        assert client.get("/api/v1/assessments").json() == []
        assert client.get(f"/api/v1/assessments/{Q3}").status_code == 404
        assert client.get(f"/assessments/{Q3}", headers={"accept": "text/html"}).status_code == 404
        r = client.post(f"/api/v1/assessments/{Q3}/publish", headers=centre)
        assert r.status_code == 200 and r.json()["assessed"] == 3, r.text

        listed = client.get("/api/v1/assessments").json()
        assert [(p["period"], p["assessed"], p["grades"]) for p in listed] == [(Q3, 3, {"A": 1, "D": 2})]
        public = client.get(f"/api/v1/assessments/{Q3}").json()
        assert [a["kind"] for a in public] == ["platform", "platform", "logistics"]  # platforms first, best first
        assert public[0]["subject_id"] == m.ids["P2"]
        page = client.get(f"/assessments/{Q3}")
        assert page.status_code == 200 and "青梧网络科技有限公司" in page.text and "闽捷快递有限公司" in page.text
        assert "被警示约谈：1次，扣 5 分" in page.text
        assert Q3 in client.get("/assessments").text
        exported = client.get(f"/api/v1/assessments/{Q3}/export?format=csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert {(r["uscc"], r["grade"], r["score"]) for r in rows} == {
            (USCC["P1"], "D", "25.0"),
            (USCC["P2"], "A", "100.0"),
            (USCC["carrier"], "D", "55.0"),
        }
        assert next(r for r in rows if r["uscc"] == USCC["P1"])["complaint_rate_value"] == "1000.0"
        xlsx = client.get(f"/api/v1/assessments/{Q3}/export?format=xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None and sheet.max_row == 4 and sheet.cell(1, 1).value == "period"

        # a published quarter is not recomputed; a period not over, or malformed, is refused
        again = client.post("/api/v1/assessments/runs", json={"period": Q3}, headers=centre)
        assert again.status_code == 409 and again.json()["code"] == "assessment_published"
        now = client.post("/api/v1/assessments/runs", json={"period": "2026Q4"}, headers=centre)
        assert now.status_code == 422 and now.json()["code"] == "period_not_over"
        assert client.post("/api/v1/assessments/runs", json={"period": "2026Q5"}, headers=centre).status_code == 422
        assert (
            client.post("/api/v1/assessments/runs", json={"period": Q3}, headers=_auth(m, Role.department)).status_code
            == 403
        )
    with unit_of_work(m.db, readonly=True) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("assessments.%"))))
        assert actions == {"assessments.run", "assessments.publish"}


def test_complaint_rows_checked_one_by_one_and_resent_idempotently(market: Market) -> None:
    m = market
    good = _complaint("K1", T, 5 * H, "upheld")
    bad = [
        _complaint("K2", T, 5 * H, "upheld", received_at="yesterday"),
        _complaint("K3", T, 5 * H, "upheld", platform_id="P2", seller_account_id=None),  # not the sender's platform
        _complaint("K4", T, None, "pending", platform_id=None, seller_account_id=None),  # nobody complained about
        _complaint("K5", T, None, "upheld", responded_at=(T - H).isoformat()),  # answered before it arrived
        _complaint("K6", T, 5 * H, "pending", closed_at=(T + 9 * H).isoformat()),  # closed without an outcome
        _complaint("K7", T, 5 * H, "lost"),
        _complaint("K8\x00", T, 5 * H, "upheld"),
    ]
    with TestClient(create_app(m.settings)) as client:
        r = client.post("/api/v1/complaints", json={"complaints": [good, *bad]}, headers=_auth(m, Role.platform))
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["rows"], body["inserted"], body["rejected"]) == (8, 1, 7)
        codes: dict[int, str] = {}
        for x in body["rejections"]:  # a row's first reason
            codes.setdefault(x["row"], x["code"])
        assert codes == {
            2: "bad_time",
            3: "not_your_platform",
            4: "no_respondent",
            5: "time_order",
            6: "outcome_missing",
            7: "value_not_allowed",
            8: "control_character",
        }
        same = client.post("/api/v1/complaints", json={"complaints": [good]}, headers=_auth(m, Role.platform)).json()
        assert (same["inserted"], same["updated"], same["unchanged"]) == (0, 0, 1)
        closed = good | {"closed_at": (T + 30 * H).isoformat(), "outcome": "mediated"}
        later = client.post("/api/v1/complaints", json={"complaints": [closed]}, headers=_auth(m, Role.platform)).json()
        assert later["updated"] == 1
        assert (
            client.post("/api/v1/complaints", json={"complaints": []}, headers=_auth(m, Role.platform)).status_code
            == 422
        )
        assert client.post("/api/v1/complaints", json={"complaints": [good]}).status_code == 401
    with unit_of_work(m.db, readonly=True) as s:
        k1 = s.get(Complaint, "K1")
        assert k1 is not None and k1.outcome == "mediated" and k1.received_at == T.astimezone(UTC)


def test_complaints_file_with_chinese_headers(market: Market, cli_env: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chengxin.cli.main import app

    path = tmp_path / "投诉.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["2026年第三季度投诉汇总"])
        w.writerow(["投诉编号", "投诉渠道", "平台编号", "商家账号", "受理时间", "首次响应时间", "办结时间", "处理结果"])
        w.writerow(["F1", "12345热线", "P1", "S1", "2026-08-05 09:30", "2026-08-05 15:00", "2026-08-07 10:00", "属实"])
        w.writerow(["F2", "平台", "P1", "S2", "2026-08-06 09:30", "", "", "处理中"])
        w.writerow(["F3", "平台", "P1", "S2", "2026/08/06 09:30", "2026-08-05 09:00", "", "处理中"])
    runner = CliRunner()
    r = runner.invoke(app, ["assessments", "complaints", str(path), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output.strip().splitlines()[-1])
    assert (summary["rows"], summary["inserted"], summary["rejected"]) == (3, 2, 1)
    assert Path(summary["report"]).read_text(encoding="utf-8").splitlines()[1].startswith("5,time_order")
    again = json.loads(runner.invoke(app, ["assessments", "complaints", str(path), "--json"]).output.splitlines()[-1])
    assert (again["inserted"], again["unchanged"]) == (0, 2)
    with unit_of_work(market.db, readonly=True) as s:
        f1 = s.get(Complaint, "F1")
        assert f1 is not None and (f1.channel, f1.outcome) == ("12345", "upheld")
        assert f1.received_at == datetime(2026, 8, 5, 1, 30, tzinfo=UTC)  # Beijing wall-clock time
    headless = tmp_path / "bad.csv"
    headless.write_text("a,b\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["assessments", "complaints", str(headless)])
    assert r.exit_code != 0 and "header_missing" in r.output


def test_notices_answered_by_their_addressee_only(market: Market) -> None:
    m = market
    with TestClient(create_app(m.settings)) as client:
        dept, plat = _auth(m, Role.department), _auth(m, Role.platform)
        body = {
            "subject_id": m.ids["P2"],
            "kind": "assistance",
            "title": "协查通知",
            "text": "请协助",
            "due_on": "2026-12-31",
        }
        r = client.post("/api/v1/notices", json=body, headers=dept)
        assert r.status_code == 201 and r.json()["notice_no"].startswith("TZ"), r.text
        other = r.json()["id"]
        # addressed to P2: the P1 platform's token does not see it and cannot answer it
        assert client.get("/api/v1/notices/received", headers=plat).json() == []
        assert client.post(f"/api/v1/notices/{other}/answer", json={"answer": "x"}, headers=plat).status_code == 404
        mine = client.post("/api/v1/notices", json=body | {"subject_id": m.ids["P1"]}, headers=dept).json()
        assert [n["id"] for n in client.get("/api/v1/notices/received?open=true", headers=plat).json()] == [mine["id"]]
        assert {n["id"] for n in client.get("/api/v1/notices", headers=dept).json()} == {other, mine["id"]}
        assert (
            client.post(f"/api/v1/notices/{mine['id']}/answer", json={"answer": "已协助"}, headers=plat).status_code
            == 200
        )
        twice = client.post(f"/api/v1/notices/{mine['id']}/answer", json={"answer": "再次"}, headers=plat)
        assert twice.status_code == 409 and twice.json()["code"] == "notice_answered"
        assert client.get("/api/v1/notices/received?open=true", headers=plat).json() == []
        merchant = client.post("/api/v1/notices", json=body | {"subject_id": m.ids["M1"]}, headers=dept)
        assert merchant.status_code == 422 and merchant.json()["code"] == "notice_addressee"
        early = client.post(
            "/api/v1/notices", json=body | {"issued_on": "2026-12-01", "due_on": "2026-11-01"}, headers=dept
        )
        assert early.status_code == 422 and early.json()["code"] == "notice_due_before_issue"
        assert client.post("/api/v1/notices", json=body, headers=plat).status_code == 403


def test_the_quarterly_job_drafts_once_and_a_rerun_replaces_drafts(market: Market) -> None:
    m = market
    outcome = next(o for o in run_due(m.db, day=TODAY) if o.job == "assessments.quarterly")
    assert outcome.result == {"period": Q3, "drafted": 3}
    again = next(o for o in run_due(m.db, day=TODAY, force=True) if o.job == "assessments.quarterly")
    assert again.result == {"period": Q3, "drafted": 0}
    with unit_of_work(m.db) as s:
        assert len(service.run(s, ACTOR, Q3, today=TODAY)) == 3  # the centre's rerun replaces the drafts
    with unit_of_work(m.db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Assessment)) == 3
        assert service.periods(s, published_only=True) == []
    with unit_of_work(m.db) as s, pytest.raises(InvalidInput):
        service.run(s, ACTOR, "2026-13", today=TODAY)
    with unit_of_work(m.db) as s:
        service.publish(s, ACTOR, Q3)
    with unit_of_work(m.db) as s, pytest.raises(Conflict):
        service.publish(s, ACTOR, Q3)
    assert date(2026, 11, 24) == TODAY


def test_a_broken_rules_file_is_refused_with_its_problems(
    market: Market, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from chengxin.cli.main import app

    bad = tmp_path / "rules.toml"
    bad.write_text(
        DEFAULTS.read_text(encoding="utf-8")
        .replace('measure = "warnings"', 'measure = "fines"')
        .replace("min = 75", "min = 90"),
        encoding="utf-8",
    )
    runner = CliRunner()
    checked = runner.invoke(app, ["assessments", "check-rules", str(bad)])
    assert checked.exit_code == 1 and "unknown measure 'fines'" in checked.output and "overlap" in checked.output
    assert runner.invoke(app, ["assessments", "check-rules", str(tmp_path / "missing.toml")]).exit_code != 0
    shipped = runner.invoke(app, ["assessments", "check-rules", str(DEFAULTS)])
    assert shipped.exit_code == 0 and "platform-v1" in shipped.output and "logistics-v1" in shipped.output
    monkeypatch.setenv("CHENGXIN_ASSESSMENT_RULES", str(bad))
    with TestClient(create_app(market.settings)) as client:
        r = client.post("/api/v1/assessments/runs", json={"period": Q3}, headers=_auth(market, Role.credit_centre))
        assert r.status_code == 400 and r.json()["code"] == "assessment_rules_invalid", r.text
        assert "fines" in r.json()["detail"]
    with unit_of_work(market.db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Assessment)) == 0  # nothing written
