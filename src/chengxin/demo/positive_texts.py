"""Texts of the demo's positive records (守信激励): commendations, qualifications, professional titles."""

from __future__ import annotations

from typing import Final

# Commendations (表彰奖励): (source, tag, title, awarded by).
COMMENDATIONS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("market_regulation", "legal", "江苏省守合同重信用企业", "江苏省市场监督管理局"),
    ("commerce", "online", "江苏省电子商务示范企业", "江苏省商务厅"),
    ("commerce", "online", "江苏省数字商务企业", "江苏省商务厅"),
    ("tax", "legal", "{year}年度纳税信用A级纳税人", "国家税务总局江苏省税务局"),
    ("postal", "logistics", "江苏省快递业诚信经营示范企业", "江苏省邮政管理局"),
    ("civilisation", "legal", "江苏省文明单位", "江苏省精神文明建设委员会"),
)

# Natural persons' qualifications: (source, tag, name, validity years; 0 = 长期).
QUALIFICATIONS: Final[tuple[tuple[str, str, str, int], ...]] = (
    ("human_resources", "merchant", "电子商务师（四级/中级工）", 0),
    ("human_resources", "merchant", "互联网营销师（三级/高级工）", 0),
    ("human_resources", "courier", "快递员（四级/中级工）", 0),
    ("human_resources", "courier", "快件处理员（五级/初级工）", 0),
    ("human_resources", "practitioner", "企业信用管理师（三级/高级工）", 0),
    ("human_resources", "practitioner", "健康管理师（三级/高级工）", 0),
    ("human_resources", "person", "育婴员（四级/中级工）", 0),
    ("human_resources", "person", "中式烹调师（四级/中级工）", 0),
    ("human_resources", "person", "电工（四级/中级工）", 0),
    ("market_regulation", "courier", "特种设备安全管理和作业人员证（叉车司机N1）", 4),
    ("market_regulation", "practitioner", "特种设备安全管理和作业人员证（电梯安全管理A）", 4),
)
# Professional titles (职称): (title, series, senior).
TITLES: Final[tuple[tuple[str, str, bool], ...]] = (
    ("助理工程师", "工程系列", False),
    ("工程师", "工程系列", False),
    ("高级工程师", "工程系列", True),
    ("助理经济师", "经济系列", False),
    ("经济师", "经济系列", False),
    ("高级经济师", "经济系列", True),
    ("助理会计师", "会计系列", False),
    ("会计师", "会计系列", False),
)
VOLUNTEER_HONOURS: Final[tuple[tuple[str, str], ...]] = (
    ("{city}优秀志愿者", "{city}志愿服务联合会"),
    ("江苏省五星级志愿者", "江苏省志愿服务联合会"),
    ("江苏省优秀青年志愿者", "共青团江苏省委员会"),
    ("{city}最美志愿者", "{city}精神文明建设指导委员会办公室"),
)
MODEL_CITIZEN_HONOURS: Final[tuple[tuple[str, str], ...]] = (
    ("江苏省见义勇为先进个人", "江苏省见义勇为基金会"),
    ("{city}见义勇为先进个人", "{city}人民政府"),
    ("江苏好人", "江苏省精神文明建设指导委员会办公室"),
    ("{city}道德模范", "{city}精神文明建设委员会"),
)
GOOD_DEEDS: Final[tuple[str, ...]] = (
    "在河道中救起落水儿童",
    "协助民警制止持刀伤人行为",
    "长期照料社区孤寡老人",
    "火灾现场疏散被困群众",
    "拾金不昧归还失主现金{amount}元",
)
