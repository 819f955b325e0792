"""Jinja2 environment for the pages, with the Chinese labels the templates show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from chengxin.errors import DomainError

templates = Jinja2Templates(directory=str(Path(__file__).parent / "web" / "templates"))
templates.env.globals.update(
    role_zh={
        "public": "公众",
        "subject": "信用主体",
        "platform": "平台",
        "department": "部门",
        "credit_centre": "信用中心",
        "auditor": "审计",
    },
    legal_form_zh={
        "enterprise": "企业",
        "platform": "电子商务平台",
        "logistics_company": "寄递物流企业",
        "service_provider": "服务机构",
        "social_organisation": "社会组织",
        "individual_business": "个体工商户",
    },
    role_names_zh={
        "platform_operator": "平台经营者",
        "merchant": "平台内经营者",
        "logistics_company": "寄递物流企业",
        "courier": "快递员",
        "practitioner": "从业人员",
        "consumer": "消费者",
    },
    field_zh={  # record payload entries shown on the objection and repair pages
        "violation_facts": "违法事实",
        "violation_type": "违法行为类型",
        "penalty_category": "处罚类别",
        "penalty_content": "处罚内容",
        "fine_wan": "罚款金额（万元）",
        "confiscation_wan": "没收金额（万元）",
        "legal_basis": "处罚依据",
        "authority": "处罚机关",
        "amount_yuan": "金额（元）",
        "tax_type": "税种",
        "finding": "认定事实",
        "title": "名称",
    },
    verification_zh={
        "verified": "已实名核验",
        "mismatch": "核验不一致",
        "not_found": "登记库无记录",
        "unverified": "未核验",
    },
)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    actor = getattr(request.state, "actor", None)
    base = {"actor": actor, "csrf_token": getattr(actor, "csrf_token", None)}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def form_error(err: DomainError) -> dict[str, str]:
    """What a form page shows when the service refused the input: the Chinese message, the
    Chinese detail when the service gave one (e.g. the reasons a record is not yet eligible), the code."""
    detail = err.detail if any("\u4e00" <= ch <= "\u9fff" for ch in err.detail) else ""
    return {"message": err.message_zh, "detail": detail if detail != err.message_zh else "", "code": err.code}
