"""Credit reports: the report of a subject with 300 credit records, made in-process on an SQLite database of
its own (``var/bench/reports``): a merchant with 300 penalty records, its grade and explanation computed.

PDF: ``reports.service.issue`` whole — assemble the content, render HTML, lay out and write the PDF
(WeasyPrint, Noto Sans CJK SC subset by HarfBuzz), sign it (Ed25519), encrypt and register it — target ≤ 2 s.
HTML: a fresh HTML report — assemble the content (records, grade with its explanation, lists, commitments,
shops) and render the template — target ≤ 200 ms. Each is timed several times after a warm-up; the median and
the worst are reported, wall and CPU time (the machine's load is recorded too: other work slows the wall time).
"""

from __future__ import annotations

import base64
import random
import shutil
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from common import BENCH_VAR, loadavg, log

RECORDS = 300
PDF_TARGET_S = 2.0
HTML_TARGET_MS = 200.0


@dataclass
class ReportsRun:
    records: int
    pages: int
    pdf_bytes: int
    pdf_s: list[float] = field(default_factory=list)
    pdf_cpu_s: list[float] = field(default_factory=list)
    html_ms: list[float] = field(default_factory=list)
    download_html_ms: list[float] = field(default_factory=list)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def figures(self) -> tuple[float, float]:
        return statistics.median(self.pdf_s), statistics.median(self.html_ms)

    def verdicts(self) -> dict[str, tuple[str, str, bool]]:
        pdf, html = self.figures()
        return {
            "pdf": (f"{pdf:.2f} s (CPU {statistics.median(self.pdf_cpu_s):.2f} s)", f"≤ {PDF_TARGET_S:.0f} s",
                    pdf <= PDF_TARGET_S),
            "html": (f"{html:.0f} ms", f"≤ {HTML_TARGET_MS:.0f} ms", html <= HTML_TARGET_MS),
        }  # fmt: skip

    def passed(self) -> bool:
        return all(ok for _, _, ok in self.verdicts().values())


def _setup() -> tuple[Any, Any, int]:
    from chengxin.config import Settings
    from chengxin.db import open_database, unit_of_work, upgrade
    from chengxin.domains.accounts import service as accounts
    from chengxin.domains.records import service as records
    from chengxin.domains.records.rules import Party, Submission
    from chengxin.domains.subjects import service as subjects
    from chengxin.domains.subjects.identifiers import org_code_check_char, uscc_check_char
    from chengxin.domains.subjects.schemas import LegalSubjectIn
    from chengxin.security.actor import cli_actor
    from chengxin.security.crypto import cipher

    folder = BENCH_VAR / "reports"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    settings = Settings(
        var_dir=folder,
        database_url=f"sqlite:///{folder / 'reports.db'}",
        pii_key=base64.b64encode(bytes(range(32))).decode(),
        _env_file=None,
    )  # type: ignore[call-arg]
    db = open_database(settings.effective_database_url())
    upgrade(db)
    actor, c = cli_actor("bench"), cipher(settings)
    rng = random.Random(9)
    org_code = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = "91320102" + org_code + org_code_check_char(org_code)
    uscc = body + uscc_check_char(body)
    with unit_of_work(db) as s:
        org = accounts.create_organisation(s, actor=actor, kind="department", name="南京市市场监督管理局",
                                           sector="market")  # fmt: skip
        subject = subjects.create_subject(s, actor=actor, cipher=c, data=LegalSubjectIn(
            kind="legal", name="南京鑫诚示例电子商务有限公司", uscc=uscc, roles=["merchant"]))  # fmt: skip
        start = date(2025, 1, 1)
        subs = [Submission("admin_penalty", source_record_id=f"B{i}", party=Party(uscc=uscc),
                           decided_on=start + timedelta(days=i), document_no=f"宁市监罚〔2025〕{i + 1}号",
                           payload={"violation_facts": "销售不符合食品安全标准的食品", "penalty_category": "罚款",
                                    "penalty_content": f"没收违法所得，罚款人民币{(i % 9 + 1) * 5000}元"})
                for i in range(RECORDS)]  # fmt: skip
        counts = records.submit(s, actor=actor, source_org_id=org.id, submissions=subs, cipher=c)
        assert counts.created == RECORDS, counts
        return db, settings, subject.id


def run(*, repeats: int = 5, html_repeats: int = 20) -> ReportsRun:
    import pypdfium2 as pdfium

    from chengxin.db import unit_of_work
    from chengxin.domains.reports import render, service
    from chengxin.domains.reports.assemble import assemble
    from chengxin.domains.reports.rules import load_rules
    from chengxin.domains.subjects.service import view_by_id
    from chengxin.security.actor import cli_actor
    from chengxin.security.crypto import cipher

    log(f"reports: a subject with {RECORDS} records")
    db, settings, sid = _setup()
    actor, c = cli_actor("bench"), cipher(settings)
    issued = None
    pdf_s, cpu_s = [], []
    for i in range(repeats + 1):  # the first warms up (imports, fonts)
        with unit_of_work(db) as s:
            t, cpu = time.perf_counter(), time.process_time()
            issued = service.issue(s, actor=actor, settings=settings, cipher=c, kind="self", subject_id=sid)
            if i:
                pdf_s.append(time.perf_counter() - t)
                cpu_s.append(time.process_time() - cpu)
    assert issued is not None
    with unit_of_work(db, readonly=True) as s:
        assert service.verify_file(s, issued.pdf).valid
    policy = load_rules().policy("self")
    html_ms, download_ms = [], []
    for i in range(html_repeats + 1):
        with unit_of_work(db) as s:
            t = time.perf_counter()
            content = assemble(s, view=view_by_id(s, sid), kind="self", policy=policy, actor=actor, cipher=c,
                               number=issued.report.number, issued_at=issued.report.issued_at,
                               valid_until=issued.report.valid_until, on=issued.content.as_of, requester="bench",
                               purpose=None, authorisation_ref=None, verify_url="http://x/", key_id="k")  # fmt: skip
            html = render.html(content)
            if i:
                html_ms.append((time.perf_counter() - t) * 1000)
        assert "南京鑫诚示例电子商务有限公司" in html
        with unit_of_work(db) as s:
            t = time.perf_counter()
            service.document(s, actor=actor, cipher=c, number=issued.report.number, fmt="html")
            if i:
                download_ms.append((time.perf_counter() - t) * 1000)
    result = ReportsRun(RECORDS, len(pdfium.PdfDocument(issued.pdf)), len(issued.pdf), pdf_s, cpu_s, html_ms,
                        download_ms, loadavg())  # fmt: skip
    pdf, html_fig = result.figures()
    log(f"reports: PDF {pdf:.2f} s ({result.pages} pages, {result.pdf_bytes:,} bytes), HTML {html_fig:.0f} ms")
    return result


def summary_rows(r: ReportsRun) -> list[tuple[str, str, str]]:
    out = []
    for key, label in (("pdf", "PDF"), ("html", "HTML")):
        figure, goal, ok = r.verdicts()[key]
        out.append((f"Credit report ({label}) of a subject with {r.records} records", goal,
                    f"{figure} {'✅ pass' if ok else '❌ **missed**'}"))  # fmt: skip
    return out


def section(r: ReportsRun | None) -> list[str]:
    out = [f"## Credit reports ({RECORDS} records)", "", " ".join((__doc__ or "").split("\n\n", 1)[1].split()), ""]
    if r is None:
        return [*out, "Not run.", ""]

    def row(name: str, values: list[float], unit: str, target: str) -> str:
        return (f"| {name} | {len(values)} | {statistics.median(values):.{2 if unit == 's' else 0}f} {unit} | "
                f"{max(values):.{2 if unit == 's' else 0}f} {unit} | {target} |")  # fmt: skip

    pdf_figure, _, _ = r.verdicts()["pdf"]
    return [*out, "| Measure | Runs | Median | Worst | Target |", "|---|---|---|---|---|",
            row("PDF: issue (assemble, render, sign, register)", r.pdf_s, "s", f"≤ {PDF_TARGET_S:.0f} s"),
            row("PDF: CPU time of the same", r.pdf_cpu_s, "s", ""),
            row("HTML: assemble and render", r.html_ms, "ms", f"≤ {HTML_TARGET_MS:.0f} ms"),
            row("HTML: download of an issued report (decrypt, render)", r.download_html_ms, "ms", ""), "",
            f"The PDF has {r.pages} pages, {r.pdf_bytes:,} bytes. Load average during the run: "
            f"{r.load[0]:.2f}, {r.load[1]:.2f}, {r.load[2]:.2f}.", ""]  # fmt: skip


if __name__ == "__main__":
    result = run()
    print("\n".join(section(result)))
