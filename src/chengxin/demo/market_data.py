"""Word lists, places and rhythms of the synthetic marketplace (``chengxin.demo.market``)."""

from __future__ import annotations

from typing import Final

# Categories: (name, median list price in fen, log-normal sigma, median parcel weight in grams, share of items).
# "补差价" is the postage/price-difference link (邮费补拍, ¥1, nothing shipped); "小商品" the few-jiao trinkets:
# together they put orders of ¥1 or less (not scored) into the data.
CATEGORIES: Final[tuple[tuple[str, int, float, int, float], ...]] = (
    ("女装", 12900, 0.7, 400, 0.14),
    ("男装", 15900, 0.7, 500, 0.08),
    ("鞋靴", 19900, 0.6, 900, 0.07),
    ("箱包", 16900, 0.7, 700, 0.04),
    ("美妆护肤", 12900, 0.8, 250, 0.08),
    ("个护清洁", 3990, 0.6, 600, 0.06),
    ("休闲食品", 3590, 0.6, 800, 0.08),
    ("生鲜水果", 5990, 0.5, 3000, 0.04),
    ("母婴用品", 8990, 0.8, 900, 0.05),
    ("玩具乐器", 6990, 0.9, 700, 0.03),
    ("手机数码", 29900, 1.3, 300, 0.06),
    ("家用电器", 39900, 1.0, 5000, 0.04),
    ("家居日用", 2590, 0.8, 500, 0.08),
    ("家纺布艺", 12900, 0.7, 1500, 0.03),
    ("运动户外", 13900, 0.9, 800, 0.04),
    ("图书音像", 4590, 0.5, 600, 0.03),
    ("宠物用品", 5990, 0.8, 1500, 0.02),
    ("医药保健", 8900, 0.7, 300, 0.02),
    ("小商品", 99, 0.35, 50, 0.01),
)
TOP_UP_CATEGORY: Final = "补差价"  # one extra item for some sellers, 100 fen, not shipped
TOP_UP_PRICE_FEN: Final = 100

# Real GB/T 2260 county-level codes: (code, weight for sellers, weight for buyers). Sellers cluster in
# the commerce hubs (义乌, 杭州余杭, 广州, 深圳, 苏州); buyers spread with population.
DIVISIONS: Final[tuple[tuple[str, float, float], ...]] = (
    ("110101", 1.0, 2.0),  # 北京 东城区
    ("110105", 2.0, 5.0),  # 北京 朝阳区
    ("110108", 2.0, 5.0),  # 北京 海淀区
    ("120101", 1.0, 2.0),  # 天津 和平区
    ("210102", 0.5, 2.0),  # 沈阳 和平区
    ("230102", 0.5, 2.0),  # 哈尔滨 道里区
    ("310101", 1.0, 2.0),  # 上海 黄浦区
    ("310104", 1.0, 3.0),  # 上海 徐汇区
    ("310115", 3.0, 6.0),  # 上海 浦东新区
    ("320102", 1.0, 3.0),  # 南京 玄武区
    ("320506", 4.0, 3.0),  # 苏州 吴中区
    ("330102", 3.0, 2.0),  # 杭州 上城区
    ("330106", 3.0, 3.0),  # 杭州 西湖区
    ("330110", 6.0, 3.0),  # 杭州 余杭区
    ("330782", 12.0, 2.0),  # 金华 义乌市
    ("340104", 1.0, 3.0),  # 合肥 蜀山区
    ("350203", 2.0, 2.0),  # 厦门 思明区
    ("360102", 0.5, 2.0),  # 南昌 东湖区
    ("370102", 1.0, 3.0),  # 济南 历下区
    ("370202", 1.0, 2.0),  # 青岛 市南区
    ("410105", 1.0, 4.0),  # 郑州 金水区
    ("420106", 1.0, 3.0),  # 武汉 武昌区
    ("430104", 1.0, 3.0),  # 长沙 岳麓区
    ("440103", 6.0, 2.0),  # 广州 荔湾区
    ("440106", 4.0, 4.0),  # 广州 天河区
    ("440304", 4.0, 3.0),  # 深圳 福田区
    ("440305", 3.0, 3.0),  # 深圳 南山区
    ("440306", 6.0, 4.0),  # 深圳 宝安区
    ("450103", 0.5, 2.0),  # 南宁 青秀区
    ("460106", 0.3, 1.0),  # 海口 龙华区
    ("500103", 1.0, 3.0),  # 重庆 渝中区
    ("510104", 1.0, 3.0),  # 成都 锦江区
    ("510107", 1.0, 3.0),  # 成都 武侯区
    ("520102", 0.3, 2.0),  # 贵阳 南明区
    ("530102", 0.5, 2.0),  # 昆明 五华区
    ("610113", 1.0, 3.0),  # 西安 雁塔区
    ("620102", 0.2, 1.0),  # 兰州 城关区
    ("650102", 0.2, 1.0),  # 乌鲁木齐 天山区
)

# Waybill number prefixes, one per carrier (cycled when more carriers are given).
CARRIER_PREFIXES: Final[tuple[str, ...]] = ("SF", "YT", "ZT", "YD", "JT", "JD", "EMS", "DB")

# Order creation rhythm (Asia/Shanghai): by hour of day, by weekday (Monday first), and promotion days
# ((month, day) → factor). Without any promotion day in range the middle day becomes a store festival.
HOUR_WEIGHTS: Final[tuple[float, ...]] = (
    3.0, 1.6, 0.8, 0.5, 0.4, 0.5, 1.0, 2.0, 3.5, 4.5, 5.0, 5.0,
    4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.6, 5.0, 6.0, 7.0, 7.5, 5.5,
)
WEEKDAY_WEIGHTS: Final[tuple[float, ...]] = (0.95, 0.95, 1.0, 1.0, 1.05, 1.15, 1.2)
PROMOTION_DAYS: Final[dict[tuple[int, int], float]] = {
    (11, 11): 8.0, (11, 10): 1.6, (11, 12): 1.8, (6, 18): 3.0, (12, 12): 2.5,
}
PRESALE_FACTOR: Final = 1.3  # the ten days before a promotion day
SPIKE_MIDNIGHT_FACTOR: Final = 6.0  # the rush in the first hour of a promotion day

# Rating texts by (direction, kind, score). Follow-ups have no score of their own: their text follows
# the initial rating's.
TEXTS: Final[dict[tuple[str, str, str], tuple[str, ...]]] = {
    ("buyer_to_seller", "initial", "good"): (
        "质量很好，和描述的一样，物流也快。", "东西不错，包装很用心，好评！", "第二次回购了，一如既往的好。",
        "性价比很高，推荐购买。", "发货速度快，客服态度好。", "做工精细，尺码合适，满意。",
        "收到了，跟图片一样，很喜欢。", "物美价廉，值得购买。", "卖家很耐心，解答详细。", "很满意的一次购物。",
    ),
    ("buyer_to_seller", "initial", "neutral"): (
        "一般般吧，和图片有点色差。", "东西还行，就是物流有点慢。", "质量一般，对得起这个价格。",
        "包装有点简陋，东西还可以。", "尺码偏小，凑合能用。",
    ),
    ("buyer_to_seller", "initial", "bad"): (
        "质量太差了，和描述严重不符。", "发错货了，联系客服也不理。", "收到就坏了，很失望。",
        "物流太慢，等了一个星期。", "做工粗糙，线头很多，不推荐。", "客服态度恶劣，再也不来了。",
    ),
    ("seller_to_buyer", "initial", "good"): (
        "好买家，付款爽快，欢迎再次光临！", "感谢亲的支持，期待下次合作。", "沟通愉快，很好的买家。",
        "谢谢惠顾，祝您生活愉快。",
    ),
    ("seller_to_buyer", "initial", "neutral"): ("沟通有些不顺畅。", "收货确认比较慢。"),
    ("seller_to_buyer", "initial", "bad"): ("恶意拒收，浪费运费。", "无理由要求退款还给差评。"),
    ("buyer_to_seller", "follow_up", "good"): (
        "用了一个月了，质量依然很好。", "追评：洗过几次不掉色，不起球。", "家人都说好，已经推荐给朋友了。",
        "用了一段时间，效果明显，会回购。",
    ),
    ("buyer_to_seller", "follow_up", "neutral"): ("用了一阵子，感觉一般。", "追评：有点小毛病，还能接受。"),
    ("buyer_to_seller", "follow_up", "bad"): (
        "用了不到两周就坏了，售后也不管。", "追评：洗一次就缩水变形了。", "后悔买了，大家别踩坑。",
    ),
}
