"""The PDF sets Chinese correctly: page 1 rendered to PNG with pypdfium2 — the text layer gives back the
subject's name and the title, the embedded font is a CJK font, and the title's glyphs are real glyphs (inked,
and as many distinct shapes as distinct characters: missing glyphs would all be the same empty box)."""

from __future__ import annotations

import ctypes
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from chengxin.domains.reports import render
from chengxin.domains.reports.schemas import IdentityPart, RecordGroupPart, RecordPart, ReportContent

TITLE = "信用报告（本人版）"
NAME = "南京鑫诚示例科技有限公司"


def content(records: int = 3) -> ReportContent:
    recs = [
        RecordPart(type_name="行政处罚", decided_on=date(2026, 3, 1), document_no=f"宁市监罚〔2026〕{i}号",
                   content="销售假冒注册商标商品，罚款人民币伍万元", severity_zh="一般", source="南京市市场监督管理局",
                   publicity_until=date(2029, 3, 1), status_zh="有效", public=True)
        for i in range(records)
    ]  # fmt: skip
    return ReportContent(
        number="XY20261125ABCDEFGHJ", kind="self", kind_zh="本人版", title=TITLE,
        issued_at=datetime(2026, 11, 25, 2, tzinfo=UTC), valid_until=datetime(2026, 12, 25, 2, tzinfo=UTC),
        as_of=date(2026, 11, 25), requester="信用主体本人", purpose=None, authorisation_ref=None,
        verify_url="http://127.0.0.1:8000/reports/verify/XY20261125ABCDEFGHJ", key_id="0123456789abcdef",
        subject_id=1,
        identity=IdentityPart(kind="legal", name=NAME, uscc="91320102MA1QW3R743", division="320102",
                              roles=["merchant"], verification="已实名核验"),
        grade=None, record_counts={"negative": records}, groups=[RecordGroupPart(category_zh="行政处罚",
                                                                                  polarity="negative", records=recs)],
        lists=[], commitments=[], shops=[],
    )  # fmt: skip


@pytest.fixture(scope="module")
def pdf() -> bytes:
    if render.cjk_font() is None:
        pytest.fail("no Chinese font installed: run `make install` (installs fonts-noto-cjk)")
    return render.pdf(content())


def test_the_html_shows_the_report(pdf: bytes) -> None:
    html = render.html(content())
    for part in (TITLE, NAME, "XY20261125ABCDEFGHJ", "宁市监罚〔2026〕2号", "<svg", "扫码核验"):
        assert part in html


def test_page_one_carries_the_chinese_text_in_a_cjk_font(pdf: bytes) -> None:
    doc = pdfium.PdfDocument(pdf)
    text = doc[0].get_textpage()
    extracted = text.get_text_range()
    assert TITLE in extracted and NAME in extracted and "宁市监罚〔2026〕0号" in extracted
    at = extracted.index(NAME)
    fonts = set()
    for i in range(at, at + len(NAME)):
        buf = ctypes.create_string_buffer(256)
        pdfium_raw.FPDFText_GetFontInfo(text.raw, i, buf, 256, None)
        fonts.add(buf.value.decode())
    assert len(fonts) == 1 and "CJK" in fonts.pop()  # e.g. ABCDEF+NotoSansCJKsc-Regular, embedded (subset)


def test_the_title_is_inked_with_distinct_glyphs(pdf: bytes) -> None:
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    scale = 4
    image = page.render(scale=scale, grayscale=True).to_pil()
    width, height = page.get_size()
    text = page.get_textpage()
    at = text.get_text_range().index(TITLE)
    shapes: dict[str, bytes] = {}
    for i, ch in enumerate(TITLE):
        left, bottom, right, top = text.get_charbox(at + i)
        box = (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
        glyph = image.crop(box).point(lambda v: 255 if v < 128 else 0)  # ink = white
        ink = glyph.histogram()[255]
        assert ink > 20, f"{ch!r} has no ink: blank or missing glyph"
        shapes[ch] = glyph.resize((24, 24)).tobytes()
    han = [ch for ch in dict.fromkeys(TITLE) if "\u4e00" <= ch <= "\u9fff"]
    assert len({shapes[ch] for ch in han}) == len(han)  # 7 different characters, 7 different shapes (no tofu)
    assert width < height  # A4 portrait


def test_a_pdf_is_refused_clearly_without_a_chinese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "cjk_font", lambda: None)
    with pytest.raises(render.FontMissing) as missing:
        render.pdf(content())
    assert "fonts-noto-cjk" in missing.value.detail and missing.value.status == 503
