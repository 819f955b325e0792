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

# Subject tags (chengxin.demo.records._tags) say which templates fit a subject.
FOOD_WORDS: Final[tuple[str, ...]] = (
    "食品",
    "茶业",
    "酒业",
    "水产",
    "农产品",
    "农业",
    "小吃店",
    "水果店",
    "土特产商行",
    "茶叶店",
    "食品商行",
    "农产品经营部",
    "专业合作社",
)
MAKER_WORDS: Final[tuple[str, ...]] = ("电器", "建材", "机械", "实业", "家居", "家纺", "服饰", "日用品", "工艺品")
INDUSTRIAL_WORDS: Final[tuple[str, ...]] = ("电器", "建材", "机械")  # makers of licensed industrial products
TECH_WORDS: Final[tuple[str, ...]] = ("网络科技", "信息技术", "数码科技", "科技", "数据服务", "电子商务")
PHARMA_WORDS: Final[tuple[str, ...]] = ("医药", "生物科技")

FOOD_GOODS: Final[tuple[str, ...]] = (
    "预包装饼干",
    "袋装坚果",
    "瓶装酱油",
    "速冻水饺",
    "盒装月饼",
    "袋装大米",
    "瓶装食用植物油",
    "散装茶叶",
    "瓶装蜂蜜",
    "袋装牛肉干",
)
GOODS: Final[tuple[str, ...]] = (
    "蓝牙耳机",
    "儿童服装",
    "保温杯",
    "电热水壶",
    "护肤乳液",
    "运动鞋",
    "手机充电器",
    "床上四件套",
    "婴儿纸尿裤",
    "羽绒服",
    "电动牙刷",
    "儿童玩具",
)
# Sampling inspections: (product, failed item, standard).
INSPECTIONS: Final[tuple[tuple[str, str, str], ...]] = (
    ("电线电缆", "导体电阻", "GB/T 3956-2008"),
    ("插座转换器", "插头尺寸", "GB/T 1002-2021"),
    ("儿童服装", "绳带", "GB 31701-2015"),
    ("电动自行车乘员头盔", "冲击吸收性能", "GB 811-2022"),
    ("塑料购物袋", "厚度", "GB/T 21661-2020"),
    ("预包装饼干", "菌落总数", "GB 7100-2015"),
    ("瓶装酱油", "氨基酸态氮", "GB 2717-2018"),
    ("袋装牛肉干", "山梨酸及其钾盐", "GB 2760-2014"),
    ("散装茶叶", "草甘膦残留量", "GB 2763-2021"),
    ("护肤乳液", "菌落总数", "《化妆品安全技术规范》（2015年版）"),
    ("婴儿纸尿裤", "渗透性能", "GB/T 28004.1-2021"),
    ("家用燃气灶具", "熄火保护装置", "GB 16410-2020"),
)
FAKE_BRANDS: Final[tuple[str, ...]] = ("鹿鸣", "澄江", "雪枫", "云岫", "青禾", "北辰", "松岚", "海棠湾")
FALSE_CLAIMS: Final[tuple[str, ...]] = ("治疗失眠", "七天美白", "100%纯天然", "降血压", "永不褪色", "防癌抗癌")
SUPERLATIVES: Final[tuple[str, ...]] = ("国家级", "最高级", "最佳", "第一品牌", "全网销量第一")
EQUIPMENT: Final[tuple[str, ...]] = ("乘客电梯", "叉车", "压力容器", "燃气锅炉", "桥式起重机")
METERS: Final[tuple[str, ...]] = ("电子计价秤", "燃气表", "电能表")
PROHIBITED: Final[tuple[str, ...]] = ("管制刀具", "易燃液体", "未申报的锂电池")
ITEM_ATTRIBUTES: Final[tuple[str, ...]] = ("材质", "规格", "产地", "功能参数", "品牌型号", "成分含量")
APP_SUFFIXES: Final[tuple[str, ...]] = ("生活", "优选", "到家", "速购", "社区")


class PenaltyCase(NamedTuple):
    """An administrative-penalty template (双公示 fields)."""

    source: str  # department sector that decides it
    tag: str  # which subjects it fits (see chengxin.demo.records._tags)
    violation_type: str  # 违法行为类型; 特种设备/安全生产/消防 make it a special-sector record
    facts: str  # 违法事实
    basis: str  # 违法依据
    penalty_basis: str  # 处罚依据
    categories: tuple[tuple[int, str], ...]  # (weight, 处罚类别 joined by ';')


PENALTY_CASES: Final[tuple[PenaltyCase, ...]] = (
    PenaltyCase(
        "market_regulation",
        "food",
        "食品安全",
        "当事人于{day}在其经营场所销售超过保质期的{food}{n}件，货值金额{value}元。",
        "《中华人民共和国食品安全法》第三十四条第（十）项",
        "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
        (
            (5, "警告"),
            (30, "罚款"),
            (45, "没收违法所得;罚款"),
            (12, "没收违法所得;没收非法财物;罚款"),
            (3, "吊销许可证件;罚款"),
        ),
    ),
    PenaltyCase(
        "market_regulation",
        "food",
        "食品安全",
        "当事人经营的{food}标签未标注生产日期和保质期，不符合食品安全国家标准。",
        "《中华人民共和国食品安全法》第六十七条",
        "《中华人民共和国食品安全法》第一百二十五条第一款第（二）项",
        ((25, "警告"), (50, "罚款"), (25, "没收违法所得;罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "online",
        "网络交易",
        "当事人在{platform}开设网店从事网络交易活动，未在网店首页显著位置持续公示营业执照信息。",
        "《中华人民共和国电子商务法》第十五条第一款",
        "《中华人民共和国电子商务法》第七十六条第一款第（一）项",
        ((65, "警告"), (35, "罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "online",
        "虚假宣传",
        "当事人在{platform}网店商品详情页宣称所售{goods}“{claim}”，无法提供相关证明材料，构成虚假宣传。",
        "《中华人民共和国反不正当竞争法》第八条第一款",
        "《中华人民共和国反不正当竞争法》第二十条第一款",
        ((70, "罚款"), (25, "没收违法所得;罚款"), (5, "吊销营业执照;罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "legal",
        "价格违法",
        "当事人销售{goods}未按规定明码标价。",
        "《中华人民共和国价格法》第十三条第一款",
        "《价格违法行为行政处罚规定》第十三条",
        ((55, "警告"), (45, "罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "maker",
        "产品质量",
        "当事人生产的{product}经监督抽查，{item}项目不符合{standard}要求，货值金额{value}元。",
        "《中华人民共和国产品质量法》第十三条",
        "《中华人民共和国产品质量法》第四十九条",
        (
            (50, "没收违法所得;罚款"),
            (25, "没收违法所得;没收非法财物;罚款"),
            (17, "责令停产停业;没收违法所得;罚款"),
            (8, "吊销营业执照;没收违法所得;罚款"),
        ),
    ),
    PenaltyCase(
        "market_regulation",
        "online",
        "商标侵权",
        "当事人销售侵犯“{brand}”注册商标专用权的{goods}{n}件，货值金额{value}元。",
        "《中华人民共和国商标法》第五十七条第（三）项",
        "《中华人民共和国商标法》第六十条第二款",
        ((75, "没收非法财物;罚款"), (25, "没收违法所得;没收非法财物;罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "legal",
        "广告违法",
        "当事人在其发布的广告中使用“{superlative}”等绝对化用语。",
        "《中华人民共和国广告法》第九条第（三）项",
        "《中华人民共和国广告法》第五十七条第（一）项",
        ((90, "罚款"), (10, "警告;罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "maker",
        "特种设备安全",
        "当事人使用未经定期检验的{equipment}。",
        "《中华人民共和国特种设备安全法》第四十条第三款",
        "《中华人民共和国特种设备安全法》第八十四条第（一）项",
        ((75, "罚款"), (25, "责令停产停业;罚款")),
    ),
    PenaltyCase(
        "market_regulation",
        "legal",
        "计量违法",
        "当事人使用未经检定的{meter}从事贸易结算。",
        "《中华人民共和国计量法》第九条第一款",
        "《中华人民共和国计量法实施细则》第四十三条",
        ((30, "警告"), (50, "罚款"), (20, "没收非法财物;罚款")),
    ),
    PenaltyCase(
        "tax",
        "legal",
        "税收征管",
        "当事人未按照规定期限办理{tax_type}纳税申报和报送纳税资料。",
        "《中华人民共和国税收征收管理法》第二十五条第一款",
        "《中华人民共和国税收征收管理法》第六十二条",
        ((100, "罚款"),),
    ),
    PenaltyCase(
        "tax",
        "legal",
        "发票管理",
        "当事人未按规定开具发票，涉及销售额{value}元。",
        "《中华人民共和国发票管理办法》第十八条",
        "《中华人民共和国发票管理办法》第三十三条",
        ((30, "警告"), (70, "罚款")),
    ),
    PenaltyCase(
        "postal",
        "logistics",
        "快递安全",
        "当事人未按规定执行收寄验视制度，收寄的快件中夹带{prohibited}。",
        "《快递暂行条例》第三十条第一款",
        "《快递暂行条例》第四十五条",
        ((20, "警告"), (60, "罚款"), (20, "责令停产停业;罚款")),
    ),
    PenaltyCase(
        "postal",
        "logistics",
        "快递服务",
        "当事人在快件分拣作业中抛扔、踩踏快件，造成快件损毁。",
        "《快递市场管理办法》第二十二条",
        "《快递市场管理办法》第四十一条",
        ((40, "警告"), (60, "罚款")),
    ),
    PenaltyCase(
        "postal",
        "logistics",
        "快递服务",
        "当事人未经用户同意擅自将快件投递至智能快件箱、快递服务站。",
        "《快递市场管理办法》第三十八条",
        "《快递市场管理办法》第五十二条",
        ((50, "警告"), (50, "罚款")),
    ),
    PenaltyCase(
        "cyberspace",
        "tech",
        "个人信息保护",
        "当事人运营的“{app}”App未履行网络安全保护义务，违规收集使用个人信息。",
        "《中华人民共和国个人信息保护法》第十条",
        "《中华人民共和国个人信息保护法》第六十六条第一款",
        ((50, "警告"), (40, "罚款"), (10, "没收违法所得;罚款")),
    ),
    PenaltyCase(
        "public_security",
        "person",
        "治安管理",
        "当事人在网络平台发布虚假信息，扰乱公共秩序。",
        "《中华人民共和国治安管理处罚法》第二十五条第（一）项",
        "《中华人民共和国治安管理处罚法》第二十五条第（一）项",
        ((20, "警告"), (50, "罚款"), (30, "行政拘留")),
    ),
    PenaltyCase(
        "public_security",
        "person",
        "治安管理",
        "当事人因琐事与他人发生争执，殴打他人致轻微伤。",
        "《中华人民共和国治安管理处罚法》第四十三条第一款",
        "《中华人民共和国治安管理处罚法》第四十三条第一款",
        ((55, "罚款"), (45, "行政拘留;罚款")),
    ),
)


class LicenceKind(NamedTuple):
    """An administrative-licence template (双公示 fields)."""

    source: str
    tag: str
    name: str  # 许可证书名称
    category: str  # 许可类别: 普通 特许 认可 核准 登记 其他
    contents: tuple[str, ...]  # 许可内容
    years: int  # validity in years; 0 = 长期 (有效期至 2099-12-31)
    number: str  # 许可编号 pattern ({uscc} {div} {abbr} {year} {n} {m})


LICENCE_KINDS: Final[tuple[LicenceKind, ...]] = (
    LicenceKind(
        "market_regulation",
        "registered",  # registered by market regulation (USCC 91/92/93), not 民政 or 农业农村
        "营业执照",
        "登记",
        ("设立登记", "变更登记（经营范围）", "变更登记（住所）"),
        0,
        "{uscc}",
    ),
    LicenceKind(
        "market_regulation",
        "food",
        "食品经营许可证",
        "普通",
        ("预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售", "热食类食品制售；冷食类食品制售"),
        5,
        "JY1{div}{n:07d}",
    ),
    LicenceKind(
        "market_regulation",
        "food_maker",
        "食品生产许可证",
        "普通",
        ("糕点生产", "茶叶及相关制品生产", "水产制品生产", "酒类生产", "粮食加工品生产"),
        5,
        "SC1{m:02d}{div}{n:04d}",
    ),
    LicenceKind(
        "market_regulation",
        "industrial",
        "工业产品生产许可证",
        "普通",
        ("电线电缆", "建筑用钢筋", "危险化学品包装物及容器", "人民币鉴别仪"),
        5,
        "(苏)XK06-{m:03d}-{n:05d}",
    ),
    LicenceKind(
        "market_regulation",
        "industrial",
        "特种设备生产许可证",
        "普通",
        ("起重机械安装、改造、修理",),
        4,
        "TS3{div}{n:03d}-{year}",
    ),
    LicenceKind(
        "market_regulation",
        "pharma",
        "药品经营许可证",
        "普通",
        ("中成药、化学药制剂、抗生素制剂、生化药品",),
        5,
        "苏AA{div}{n:04d}",
    ),
    LicenceKind(
        "postal",
        "logistics",
        "快递业务经营许可证",
        "普通",
        ("国内快递业务（省内异地）", "国内快递业务（同城）"),
        5,
        "苏{year}{n:03d}",
    ),
)
# The licence every legal person may hold (营业执照 登记, 长期): the fallback for any industry.
DEFAULT_LICENCE: Final[LicenceKind] = LICENCE_KINDS[0]

# Commendations (表彰奖励): (source, tag, title, awarded by).
COMMENDATIONS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("market_regulation", "legal", "江苏省守合同重信用企业", "江苏省市场监督管理局"),
    ("commerce", "online", "江苏省电子商务示范企业", "江苏省商务厅"),
    ("commerce", "online", "江苏省数字商务企业", "江苏省商务厅"),
    ("tax", "legal", "{year}年度纳税信用A级纳税人", "国家税务总局江苏省税务局"),
    ("postal", "logistics", "江苏省快递业诚信经营示范企业", "江苏省邮政管理局"),
    ("civilisation", "legal", "江苏省文明单位", "江苏省精神文明建设委员会"),
)

# Court: 失信被执行人.
OBLIGATIONS: Final[tuple[str, ...]] = (
    "支付货款人民币{amount}元及逾期付款利息",
    "偿还借款本金人民币{amount}元及利息",
    "支付劳动报酬人民币{amount}元",
    "支付租金人民币{amount}元及违约金",
    "赔偿经济损失人民币{amount}元",
)
DISHONEST_CONDUCT: Final[tuple[str, ...]] = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以隐匿、转移财产等方法规避执行",
)
TAX_TYPES_LEGAL: Final[tuple[str, ...]] = (
    "增值税",
    "企业所得税",
    "城市维护建设税",
    "房产税",
    "城镇土地使用税",
    "印花税",
)
TAX_TYPES_NATURAL: Final[tuple[str, ...]] = ("个人所得税", "房产税")

# Upheld complaints: findings by who handled them.
COMPLAINTS_MARKET: Final[tuple[str, ...]] = (
    "消费者反映所购{goods}存在质量问题，经营者拒绝履行退换货义务，经调查属实",
    "消费者反映经营者拒绝履行七日无理由退货承诺，经调查属实",
    "消费者反映经营者未按约定时间发货且拒绝退款，经调查属实",
    "消费者反映预付卡余额无法退还，经营者已停止营业，经调查属实",
)
COMPLAINTS_POSTAL: Final[tuple[str, ...]] = (
    "用户申诉快件延误{n}日未送达，经调查属实",
    "用户申诉快递员未经同意将快件放置快递服务站，经调查属实",
    "用户申诉快件丢失、经营者拒绝赔偿，经调查属实",
)
COMPLAINTS_PLATFORM: Final[tuple[str, ...]] = (
    "买家投诉所购{goods}存在质量问题、商家拒绝售后，经平台核实属实",
    "买家投诉商家虚假发货，经平台核实属实",
)

# Platform-reported findings by record type and kind of wrongdoer.
PLATFORM_FINDINGS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "malicious_review": {
        "consumer": (
            "买家在{platform}购买{goods}后，以给予差评相威胁向商家索要“补偿”{amount}元，经平台核实属实",
            "买家在{m}天内对{n}家店铺发布含侮辱性内容的差评，经平台核实属实",
        ),
        "seller": ("当事人组织人员对同类竞争店铺集中发布虚假差评{n}条，经平台核实属实",),
    },
    "brushing": {
        "seller": ("当事人通过虚构交易{n}笔提升店铺销量和商品评价，经平台核实属实",),
        "organiser": ("当事人以“代运营”名义为{m}家店铺组织虚假交易{n}笔，收取服务费{amount}元",),
        "consumer": ("当事人参与有偿刷单{n}次，获取佣金{amount}元，经平台核实属实",),
    },
    "fake_traffic": {
        "seller": (
            "当事人在{platform}直播间使用技术手段虚增观看人数{n}万人次",
            "当事人购买虚假点击服务虚增商品浏览量{n}万次",
        ),
        "organiser": ("当事人为{m}家店铺提供直播间“刷量”服务，虚增观看量{n}万人次",),
    },
    "item_not_as_described": {
        "seller": ("当事人所售{goods}与商品详情页描述的{attr}不符，经平台判定货不对板，涉及订单{n}笔",),
    },
    "counterfeit": {
        "seller": ("当事人销售假冒“{brand}”注册商标的{goods}{n}件，经权利人鉴定为假冒商品",),
    },
    "price_fraud": {
        "seller": (
            "当事人在促销活动中虚构原价，标示原价{p1}元，活动前七日内实际最低成交价{p2}元，涉及订单{n}笔",
            "当事人使用“仅限今日”“最后{m}件”等虚假的价格手段诱导消费者交易",
        ),
    },
    "empty_parcel": {
        "seller": ("当事人通过代发空包裹方式虚构发货{n}单",),
        "carrier": ("当事人为{m}家网店代发空包裹{n}件，以虚构物流信息配合刷单",),
    },
    "pii_abuse": {
        "seller": ("当事人违规导出并向第三方提供订单中的消费者姓名、电话、地址信息{n}条",),
        "carrier": ("当事人违规出售快递面单信息{n}条",),
        "tech": ("当事人运营的“{app}”App未经用户同意收集通讯录、位置信息，涉及用户{n}万人",),
    },
}

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

# Out-of-province places for submissions whose subject is not registered here (待匹配).
OTHER_PROVINCE_DIVISIONS: Final[tuple[tuple[str, str], ...]] = (
    ("310115", "上海"),
    ("330106", "杭州"),
    ("340104", "合肥"),
)

# What a platform did about a finding, by wrongdoer and severity.
PLATFORM_MEASURES: Final[dict[str, dict[str, str]]] = {
    "seller": {
        "minor": "警示并责令限期整改",
        "general": "下架涉事商品并扣除店铺信用分",
        "serious": "清退店铺并冻结保证金",
    },
    "consumer": {
        "minor": "警示并删除相关评价",
        "general": "限制评价功能90天",
        "serious": "永久封禁账户",
    },
}
