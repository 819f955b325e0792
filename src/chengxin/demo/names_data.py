"""Word lists and division codes for the synthetic Jiangsu-like demo province.

Division codes are real GB/T 2260 codes of Jiangsu (江苏省, 32). ``since`` is the first year the code
carried its current meaning (python-stdnum's ``cn/loc`` table): a resident identity number may only
use a code that existed in its holder's birth year, otherwise ``stdnum.cn.ric`` rejects it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from typing import Final, NamedTuple


class Division(NamedTuple):
    code: str
    name: str
    since: int  # first year of validity; 0 = valid for the whole 1950-2005 birth range


PROVINCE: Final = Division("320000", "江苏省", 0)

# City (地级市) codes with their short names as used in company names.
CITIES: Final[tuple[tuple[Division, str], ...]] = (
    (Division("320100", "南京市", 0), "南京"),
    (Division("320200", "无锡市", 0), "无锡"),
    (Division("320300", "徐州市", 0), "徐州"),
    (Division("320400", "常州市", 0), "常州"),
    (Division("320500", "苏州市", 0), "苏州"),
    (Division("320600", "南通市", 0), "南通"),
    (Division("320700", "连云港市", 0), "连云港"),
    (Division("320800", "淮安市", 2000), "淮安"),
    (Division("320900", "盐城市", 1983), "盐城"),
    (Division("321000", "扬州市", 1983), "扬州"),
    (Division("321100", "镇江市", 1983), "镇江"),
    (Division("321200", "泰州市", 1996), "泰州"),
    (Division("321300", "宿迁市", 1996), "宿迁"),
)

# Districts, county-level cities and counties (a few per city), all currently valid.
DISTRICTS: Final[tuple[Division, ...]] = (
    Division("320102", "玄武区", 1983),
    Division("320104", "秦淮区", 1983),
    Division("320105", "建邺区", 1983),
    Division("320106", "鼓楼区", 1983),
    Division("320113", "栖霞区", 1983),
    Division("320115", "江宁区", 2000),
    Division("320205", "锡山区", 2000),
    Division("320211", "滨湖区", 2000),
    Division("320213", "梁溪区", 2015),
    Division("320281", "江阴市", 1989),
    Division("320282", "宜兴市", 1989),
    Division("320303", "云龙区", 1983),
    Division("320311", "泉山区", 1993),
    Division("320321", "丰县", 1983),
    Division("320382", "邳州市", 1992),
    Division("320402", "天宁区", 1983),
    Division("320404", "钟楼区", 1983),
    Division("320412", "武进区", 2002),
    Division("320481", "溧阳市", 1990),
    Division("320505", "虎丘区", 2000),
    Division("320506", "吴中区", 2000),
    Division("320507", "相城区", 2000),
    Division("320508", "姑苏区", 2012),
    Division("320509", "吴江区", 2012),
    Division("320581", "常熟市", 1989),
    Division("320582", "张家港市", 1989),
    Division("320583", "昆山市", 1989),
    Division("320612", "通州区", 2009),
    Division("320613", "崇川区", 2020),
    Division("320681", "启东市", 1989),
    Division("320682", "如皋市", 1991),
    Division("320703", "连云区", 1983),
    Division("320706", "海州区", 1986),
    Division("320722", "东海县", 1983),
    Division("320804", "淮阴区", 2000),
    Division("320812", "清江浦区", 2016),
    Division("320830", "盱眙县", 1983),
    Division("320902", "亭湖区", 2003),
    Division("320903", "盐都区", 2003),
    Division("320981", "东台市", 1989),
    Division("321002", "广陵区", 1983),
    Division("321003", "邗江区", 2000),
    Division("321084", "高邮市", 1991),
    Division("321102", "京口区", 1984),
    Division("321111", "润州区", 1984),
    Division("321181", "丹阳市", 1989),
    Division("321202", "海陵区", 1996),
    Division("321281", "兴化市", 1996),
    Division("321283", "泰兴市", 1996),
    Division("321302", "宿城区", 2004),
    Division("321311", "宿豫区", 2004),
    Division("321322", "沭阳县", 1996),
    Division("321324", "泗洪县", 1996),
)

CITY_SHORT: Final[dict[str, str]] = {d.code: short for d, short in CITIES}

SURNAMES: Final[str] = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES: Final[tuple[str, ...]] = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙")
GIVEN_MALE: Final[str] = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳峰建国志诚晨睿博文轩天翔"
GIVEN_FEMALE: Final[str] = "芳娜敏静丽艳娟霞燕玲桂丹萍红梅琳雪颖婷倩慧蓉莉欣怡瑶洁璐晶佳琪萱悦彤馨雨思月楠"
GIVEN_ANY: Final[str] = "文晓子云春秋海嘉安宏志新永立建家明德"

# Characters for two-character trade names (字号).
BRAND_CHARS: Final[str] = (
    "华信恒源鑫达盛泰瑞祥宏德隆兴丰润锦博海天明嘉诚和安康宇通汇远鸿创新金东方正佳优立广元"
    "豪凯晟昊睿铭越聚腾飞宝美程益合众恒久胜翔盈庆荣昌福禾苏江润银致悦乐"
)

INDUSTRIES: Final[tuple[str, ...]] = (
    "科技",
    "贸易",
    "电子商务",
    "食品",
    "服饰",
    "网络科技",
    "农业",
    "信息技术",
    "商贸",
    "文化传媒",
    "家居",
    "电器",
    "建材",
    "医药",
    "机械",
    "供应链管理",
    "品牌管理",
    "母婴用品",
    "日用品",
    "茶业",
    "酒业",
    "水产",
    "生物科技",
    "数码科技",
    "实业",
    "环保科技",
    "农产品",
    "化妆品",
    "家纺",
    "工艺品",
)
COMPANY_FORMS: Final[tuple[str, ...]] = ("有限公司",) * 16 + ("有限责任公司",) * 3 + ("股份有限公司",)

LOGISTICS_WORDS: Final[tuple[str, ...]] = ("速运", "快递", "物流", "快运", "供应链", "速递")
SERVICE_WORDS: Final[tuple[str, ...]] = (
    "信用管理",
    "企业管理咨询",
    "电商代运营服务",
    "信息咨询服务",
    "网络营销策划",
    "数据服务",
    "品牌策划",
)
SHOP_WORDS: Final[tuple[str, ...]] = (
    "小吃店",
    "便利店",
    "服装店",
    "水果店",
    "日用百货商行",
    "五金经营部",
    "网店",
    "土特产商行",
    "茶叶店",
    "母婴用品店",
    "电子产品经营部",
    "农产品经营部",
    "食品商行",
    "家电维修部",
    "美妆店",
)
ASSOCIATIONS: Final[tuple[str, ...]] = (
    "电子商务协会",
    "网商协会",
    "快递行业协会",
    "个体劳动者协会",
    "消费者协会",
    "诚信促进会",
    "物流与供应链协会",
    "食品行业协会",
    "青年企业家协会",
    "互联网协会",
)
PRIVATE_NONPROFITS: Final[tuple[str, ...]] = (
    "职业技能培训学校",
    "养老服务中心",
    "社会工作服务中心",
    "电商创业孵化中心",
)
FOUNDATION_WORDS: Final[tuple[str, ...]] = ("慈善基金会", "教育基金会", "助学基金会")
COOP_WORDS: Final[tuple[str, ...]] = (
    "果蔬种植专业合作社",
    "水稻种植专业合作社",
    "螃蟹养殖专业合作社",
    "茶叶专业合作社",
    "花卉苗木专业合作社",
    "家禽养殖专业合作社",
)

# Five fictional e-commerce platforms: key, brand, operating company, division.
PLATFORMS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("qingwu", "青梧集市", "江苏青梧网络科技有限公司", "320106"),
    ("lanwan", "澜湾商城", "苏州澜湾电子商务有限公司", "320508"),
    ("xingcheng", "星橙到家", "南京星橙信息技术有限公司", "320115"),
    ("zhuli", "竹里好物", "无锡竹里网络科技有限公司", "320211"),
    ("hetian", "禾田优品", "宿迁禾田电子商务有限公司", "321302"),
)

# Departments: sector, Chinese name, demo login suffix.
DEPARTMENTS: Final[tuple[tuple[str, str, str], ...]] = (
    ("market_regulation", "江苏省市场监督管理局", "market"),
    ("commerce", "江苏省商务厅", "commerce"),
    ("postal", "江苏省邮政管理局", "postal"),
    ("cyberspace", "江苏省互联网信息办公室", "cyberspace"),
    ("public_security", "江苏省公安厅", "police"),
    ("tax", "国家税务总局江苏省税务局", "tax"),
    ("court", "江苏省高级人民法院", "court"),
    # The power company reports unpaid electricity bills under a data-sharing agreement; the
    # catalog lets departments (not platforms) submit them, so it is loaded as a department.
    ("utility", "国网江苏省电力有限公司", "power"),
    ("human_resources", "江苏省人力资源和社会保障厅", "hrss"),
    ("civilisation", "江苏省精神文明建设指导委员会办公室", "wenming"),
)
CREDIT_CENTRE_NAME: Final[str] = "江苏省公共信用信息中心"

VILLAGE_COLLECTIVE: Final[tuple[str, ...]] = ("村股份经济合作社",)  # N2 村级集体经济组织
TOWN_COLLECTIVE: Final[tuple[str, ...]] = ("镇农村经济合作联合社",)  # N3 乡镇级集体经济组织
OTHER_ORGS: Final[tuple[str, ...]] = ("社区服务中心", "志愿服务联合会")  # Y1 其他
PLATFORM_WORDS: Final[tuple[str, ...]] = ("网络科技", "电子商务")

# Mix of legal subjects in iter_subject_rows:
# (cumulative probability, USCC positions 1-2, legal_form, name words, fixed roles).
LEGAL_MIX: Final[tuple[tuple[float, str, str, tuple[str, ...], str], ...]] = (
    (0.850, "91", "enterprise", INDUSTRIES, ""),
    (0.950, "92", "individual_business", SHOP_WORDS, ""),
    (0.955, "91", "logistics_company", LOGISTICS_WORDS, "logistics_company"),
    (0.975, "91", "service_provider", SERVICE_WORDS, ""),
    (0.980, "93", "enterprise", COOP_WORDS, ""),
    (0.983, "N2", "enterprise", VILLAGE_COLLECTIVE, ""),
    (0.990, "51", "social_organisation", ASSOCIATIONS, ""),
    (0.995, "52", "social_organisation", PRIVATE_NONPROFITS, ""),
    (0.997, "Y1", "social_organisation", OTHER_ORGS, ""),
    (0.9995, "53", "social_organisation", FOUNDATION_WORDS, ""),
    (1.0, "91", "platform", PLATFORM_WORDS, "platform_operator"),
)
# Main role of natural persons (cumulative probability, role).
NATURAL_MIX: Final[tuple[tuple[float, str], ...]] = (
    (0.10, "courier"),
    (0.25, "practitioner"),
    (0.35, "merchant"),
    (1.0, "consumer"),
)

# --- lookup tables derived from the lists above ---------------------------------------------------

BRANDS: Final[str] = "".join(dict.fromkeys(BRAND_CHARS))  # deduplicated
ALL_DIVISIONS: Final[tuple[Division, ...]] = tuple(d for d, _ in CITIES) + DISTRICTS
CITY_OF: Final[dict[str, Division]] = {
    d.code: city for city, _ in CITIES for d in (city, *DISTRICTS) if d.code[:4] == city.code[:4]
}
DISTRICT_NAME: Final[dict[str, str]] = {d.code: d.name for d in DISTRICTS}
# Place names a subject name may start with, longest first.
PLACES: Final[tuple[str, ...]] = tuple(
    sorted({PROVINCE.name, "江苏", *(d.name for d in ALL_DIVISIONS), *CITY_SHORT.values()}, key=len, reverse=True)
)
# Birth dates 1950-01-01 … 2005-12-31 as RIC digits, and the divisions a RIC may carry for each:
# python-stdnum's cn.ric checks that the division code existed in the birth year.
_FIRST_BIRTH = date(1950, 1, 1)
BIRTH_DATES: Final[tuple[str, ...]] = tuple(
    (_FIRST_BIRTH + timedelta(days=i)).strftime("%Y%m%d") for i in range((date(2005, 12, 31) - _FIRST_BIRTH).days + 1)
)
_BY_YEAR = {y: tuple(d.code for d in ALL_DIVISIONS if d.since <= y) for y in range(1950, 2006)}
BIRTH_DIVISIONS: Final[tuple[tuple[str, ...], ...]] = tuple(_BY_YEAR[int(d[:4])] for d in BIRTH_DATES)


# --- small name helpers ---------------------------------------------------------------------------


def short_place(name: str) -> str:
    """玄武区 → 玄武, 江阴市 → 江阴; a two-character name (丰县) stays whole."""
    return name if len(name) <= 2 else name[:-1]


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def person_name(rand: Callable[[], float], male: bool) -> str:
    """A realistic name: surname (3 % compound) + one or two given-name characters."""
    surname = (
        COMPOUND_SURNAMES[int(rand() * len(COMPOUND_SURNAMES))]
        if rand() < 0.03
        else SURNAMES[int(rand() * len(SURNAMES))]
    )
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = pool[int(rand() * len(pool))]
    if rand() < 0.6:
        extra = GIVEN_ANY if rand() < 0.4 else pool
        given = extra[int(rand() * len(extra))] + given
    return surname + given


@cache
def _s2t() -> Callable[[str], str]:
    from opencc import OpenCC

    converter = OpenCC("s2t")
    return lambda text: str(converter.convert(text))


def traditional(text: str) -> str:
    """Simplified → traditional script (OpenCC s2t)."""
    return _s2t()(text)


# --- credit-record templates ------------------------------------------------------------------------
# Small, realistic building blocks for the demo's credit records (chengxin.demo.records). ``{x}``
# placeholders are filled by the generator; every name of a product, brand or app is fictional.

# One-character abbreviations of the cities as used in document numbers (宁市监罚〔2024〕12号).
CITY_ABBR: Final[dict[str, str]] = {
    "320100": "宁",
    "320200": "锡",
    "320300": "徐",
    "320400": "常",
    "320500": "苏",
    "320600": "通",
    "320700": "连",
    "320800": "淮",
    "320900": "盐",
    "321000": "扬",
    "321100": "镇",
    "321200": "泰",
    "321300": "宿",
}
