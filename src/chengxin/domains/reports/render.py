"""Rendering a report's content: HTML (Jinja2, ``report_document.html``) and PDF from the same HTML
(WeasyPrint, with a CJK font from the system: Noto Sans CJK SC, ``fonts-noto-cjk`` on Debian).

WeasyPrint subsets the embedded font with HarfBuzz (``libharfbuzz-subset0``) when it is installed — about
0.1 s for a CJK font — and with fontTools otherwise (several seconds per report: ``make install`` installs
the library)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import segno

from chengxin.domains.reports.schemas import ReportContent
from chengxin.errors import DomainError
from chengxin.templating import templates

TEMPLATE = "report_document.html"
BEIJING = ZoneInfo("Asia/Shanghai")
FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Noto Sans CJK JP", sans-serif'
)
NUMERALS = "一二三四五六七八九十"


class FontMissing(DomainError):
    status = 503
    code = "report_font_missing"
    title = "No Chinese font"
    title_zh = "服务器未安装中文字体，无法生成PDF报告"
    exit_code = 5


def beijing(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def qr_svg(url: str) -> str:
    """The verification link as an inline SVG QR code (error correction M)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=3, border=2, dark="#000", light="#fff")


def html(content: ReportContent, *, for_print: bool = False) -> str:
    ctx = {
        "r": content,
        "qr": qr_svg(content.verify_url),
        "issued": beijing(content.issued_at),
        "until": beijing(content.valid_until),
        "fonts": (f'"{cjk_font()}", ' if for_print and cjk_font() else "") + FONTS,
        "for_print": for_print,
        "numerals": NUMERALS,
    }
    return templates.env.get_template(TEMPLATE).render(**ctx)


@cache
def cjk_font() -> str | None:
    """The family of an installed Simplified Chinese font (fontconfig), or None."""
    fc = shutil.which("fc-list")
    if fc is None:
        return None
    try:
        found = subprocess.run([fc, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    families = [line.split(",")[0].strip() for line in found.stdout.splitlines() if line.strip()]
    rank = sorted(families, key=lambda f: ("Sans" not in f, not (f.endswith(" SC") or "CJK SC" in f), f))
    return rank[0] if rank else None


def pdf(content: ReportContent) -> bytes:
    """The report as PDF (A4), Chinese set in the system's CJK font; ``FontMissing`` when there is none."""
    if cjk_font() is None:
        raise FontMissing(
            "no Chinese font is installed (fc-list :lang=zh finds none): install one, e.g. "
            "apt-get install fonts-noto-cjk (make install does it)",
            message_zh="服务器未安装中文字体（如 fonts-noto-cjk），无法生成PDF报告，请联系管理员",
        )
    import weasyprint  # a heavy import: only when a PDF is made

    document = weasyprint.HTML(string=html(content, for_print=True), base_url=None)
    return document.write_pdf()  # type: ignore[no-any-return]
