"""Chinese texts for the demo's credit records and their sources: goods, inspections, penalty
cases, licences, honours, court and tax matters, complaints, platform findings (chengxin.demo.records)."""

from __future__ import annotations

from typing import Final, NamedTuple

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
