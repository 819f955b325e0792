"""Backtest on a real database: the migration between two dates from the grade history, the what-if
run of a changed model (nothing written), the CLI and the page."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.demo.load import load_province
from chengxin.demo.province import generate_province
from chengxin.domains.evaluation import backtest, service
from chengxin.domains.evaluation.models import Evaluation, GradeChange
from chengxin.domains.evaluation.rules import DEFAULTS
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.service import legal_today
from chengxin.security.actor import cli_actor

# The real (Beijing) day: loading records refreshes their subjects' evaluations as of today, so a fixed date
# here broke the test once Beijing passed midnight before UTC did.
TODAY = legal_today()


def test_backtest_dates_what_if_cli_and_page(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    load_province(db, cli_env, generate_province(seed=5, enterprises=300, persons=100), today=TODAY)
    service.run(db, cli_actor("test"), engine="polars", on=TODAY)
    with unit_of_work(db, readonly=True) as s:
        subjects = s.scalar(select(func.count()).select_from(Subject))
        stored = dict(s.execute(select(Evaluation.subject_id, Evaluation.grade)).all())
        first_day = s.scalar(select(func.min(GradeChange.as_of)))
    assert first_day is not None
    m = backtest.between(db, first_day - timedelta(days=1), TODAY)
    assert sum(m.matrix[backtest.NONE].values()) == subjects  # nobody was evaluated the day before
    assert m.distribution_after == {g: list(stored.values()).count(g) for g in m.distribution_after}

    stricter = tmp_path / "stricter.toml"
    stricter.write_text(DEFAULTS.read_text(encoding="utf-8").replace("min = 90\nmax = 100", "min = 99\nmax = 100")
                        .replace("min = 75\nmax = 90", "min = 75\nmax = 99"), encoding="utf-8")  # fmt: skip
    w = backtest.what_if(db, stricter, on=TODAY)
    a_before = w.distribution_before["A"]
    assert a_before > 0 and w.distribution_after.get("A", 0) < a_before and w.matrix["A"]["B"] > 0
    with unit_of_work(db, readonly=True) as s:  # nothing written
        assert dict(s.execute(select(Evaluation.subject_id, Evaluation.grade)).all()) == stored

    r = CliRunner().invoke(app, ["evaluate", "backtest", "--model", str(stricter), "--date", str(TODAY), "--json"])
    assert r.exit_code != 0  # --date is not an option of backtest
    r = CliRunner().invoke(app, ["evaluate", "backtest", "--model", str(stricter), "--to-date", str(TODAY), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["moved"] == w.moved

    from chengxin.app import create_app
    from chengxin.security.permissions import Role
    from tests.factories import role_tokens

    with unit_of_work(db) as s:
        tokens = role_tokens(s, subject_id=next(iter(stored)))
    with TestClient(create_app(cli_env)) as c:
        page = c.get(f"/admin/evaluation?from={first_day - timedelta(days=1)}&to={TODAY}",
                     headers={"Authorization": f"Bearer {tokens[Role.auditor]}", "Accept": "text/html"})  # fmt: skip
        assert page.status_code == 200 and "等级迁移矩阵" in page.text and 'id="migration"' in page.text
        assert c.get("/admin/evaluation", headers={"Accept": "text/html"}).status_code == 401
        assert "模型调整试算" not in page.text  # the what-if form is the centre's (evaluations:model)
        centre = {"Authorization": f"Bearer {tokens[Role.credit_centre]}", "Accept": "text/html"}
        assert "模型调整试算" in c.get("/admin/evaluation", headers=centre).text
        files = {"model": ("stricter.toml", stricter.read_bytes(), "application/toml")}
        tried = c.post("/admin/evaluation/what-if", files=files, headers=centre)
        assert tried.status_code == 200 and 'id="migration"' in tried.text and "stricter.toml" in tried.text
        with unit_of_work(db, readonly=True) as s:  # nothing written
            assert dict(s.execute(select(Evaluation.subject_id, Evaluation.grade)).all()) == stored
        broken = {"model": ("broken.toml", b"[[models]]\nkey = 'enterprise'\n", "application/toml")}
        refused = c.post("/admin/evaluation/what-if", files=broken, headers=centre)
        assert (
            refused.status_code == 422
            and 'id="model-problems"' in refused.text
            and 'id="migration"' not in refused.text
        )
        auditor = {"Authorization": f"Bearer {tokens[Role.auditor]}", "Accept": "text/html"}
        assert c.post("/admin/evaluation/what-if", files=files, headers=auditor).status_code == 403
