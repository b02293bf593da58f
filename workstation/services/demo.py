"""A realistic demo database to explore: a district hall's last two months.

Everything goes through the real use cases (set-up, users, 受理 / 容缺受理 /
一次性告知 / 不予受理), one transaction per application, so the demo data has
receipt numbers, document numbers, audit entries and outbox events exactly as a
real counter would leave them. The applicants are invented but valid: ID
numbers and credit codes carry correct check characters, names, phones and
addresses look like Xi'an's. The same seed gives the same database.

Nothing here depends on particular matter codes: matters, materials and bundles
are read from whatever catalog is in force.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..config import Clock
from ..domain.catalog import Catalog, Category, Matter, MatterKind
from ..domain.errors import DomainError
from ..domain.identity import CREDIT_CHARSET, make_credit_code, make_id_number
from ..domain.workdays import WorkCalendar, add_working_days
from ..store.models import Acceptance, User
from . import calendar as calendar_service
from .acceptance import Intake, accept, notify, refuse
from .auth import ROLES, Actor, add_user
from .catalog import current_catalog
from .context import Workstation
from .results import DemoResult
from .setup import init

SEED = 2026
DEMO_PASSWORD = "demo1234"
SPAN_DAYS = 60                 # the demo covers the calendar days before today, today included
MAX_CASES = 100_000
DEMO_SETTINGS = {"region": "610102", "terminal": "001", "authority": "西安市新城区行政审批服务局",
                 "authority_short": "新城审"}
# login, name, role, station, rights
DEMO_USERS = (
    ("admin", "管理员", "admin", None, ()),
    ("clerk", "王敏", "clerk", None, ("approve_on_spot",)),
    ("station", "赵强", "station_clerk", "S01", ()),
    ("approver", "陈审", "approver", None, ()),
    ("supervisor", "刘科", "supervisor", None, ()),
)

# Shares of the counter's outcomes (the rest, 8 %, is 不予受理).
P_ACCEPT, P_TOLERATE, P_NOTIFY = 0.70, 0.10, 0.12
P_BUNDLE = 0.15          # of plain acceptances, a 一件事
P_ON_SPOT = 0.6          # of 即办件 accepted by a clerk with the right, decided there and then
P_RETURNING = 0.12       # a known applicant comes again for something else
P_COMES_BACK = 0.6       # after a 一次性告知, the applicant returns with everything

# ---- people and places -------------------------------------------------------------------

SURNAMES = ("王" * 10 + "李" * 10 + "张" * 9 + "刘" * 8 + "陈" * 7 + "杨" * 6 + "赵" * 5 + "黄" * 4
            + "周" * 4 + "吴" * 4 + "徐" * 3 + "孙" * 3 + "马" * 3 + "朱" * 2 + "胡" * 2 + "郭" * 2
            + "何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
            "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤党雷樊")
MALE_GIVEN_1 = "伟强磊军勇杰涛斌超明刚辉鹏飞鑫波宇浩凯健峰亮龙阳斌毅博"
FEMALE_GIVEN_1 = "芳娜敏静丽艳娟霞燕玲婷慧颖琳倩洁红莉萍雪丹蕾瑶璐"
MALE_GIVEN_2 = ("建国", "志强", "海涛", "俊杰", "子轩", "浩然", "文博", "宇航", "明辉", "国栋", "永刚",
                "晓东", "立新", "建军", "振华", "鹏飞", "一鸣", "天佑", "家豪", "嘉诚", "军利", "小龙",
                "宏伟", "卫东", "博文", "思远", "新民", "红军", "利民", "少华")
FEMALE_GIVEN_2 = ("秀英", "丽娟", "晓燕", "婷婷", "雪梅", "静怡", "欣怡", "梦琪", "佳怡", "雨涵", "思彤",
                  "丹丹", "海燕", "淑芬", "玉兰", "春梅", "晓丽", "美玲", "诗涵", "若曦", "亚楠", "彩霞",
                  "小红", "慧敏", "文娟", "秋菊", "雅琴", "艳萍")

# Region codes (GB/T 2260) for ID numbers: mostly Xi'an's districts, some elsewhere in Shaanxi.
BIRTH_REGIONS = (("610102", 8), ("610103", 7), ("610104", 7), ("610113", 7), ("610112", 5),
                 ("610111", 3), ("610116", 3), ("610115", 2), ("610117", 1), ("610118", 1),
                 ("610114", 1), ("610402", 2), ("610302", 2), ("610502", 2), ("610602", 1),
                 ("610702", 1), ("610802", 1), ("612401", 1))
# Where enterprises are registered (the region part of their credit codes).
COMPANY_REGIONS = (("610102", 8), ("610103", 4), ("610104", 3), ("610113", 4), ("610112", 2),
                   ("610111", 1))
STREETS = {
    "新城区": ("解放路", "东五路", "西一路", "尚德路", "长乐西路", "韩森路", "自强东路", "太华南路",
            "东新街", "公园南路", "金花北路", "幸福南路", "西七路", "八府庄", "华清路"),
    "碑林区": ("南大街", "东大街", "和平路", "友谊东路", "环城南路", "长安北路", "文艺北路", "建国路",
            "互助路", "咸宁西路"),
    "莲湖区": ("北大街", "西大街", "莲湖路", "劳动南路", "丰庆路", "大庆路", "红光路", "桃园南路",
            "枣园东路"),
    "雁塔区": ("小寨东路", "长安南路", "科技路", "电子二路", "雁塔北路", "高新路", "丈八东路", "含光路",
            "曲江池东路", "西影路"),
    "未央区": ("凤城二路", "未央路", "文景路", "太华北路", "凤城八路", "明光路"),
    "灞桥区": ("纺织城正街", "长乐东路", "灞桥街", "田洪正街"),
}
DISTRICT_WEIGHTS = {"新城区": 10, "碑林区": 4, "莲湖区": 3, "雁塔区": 3, "未央区": 2, "灞桥区": 1}
COMMUNITIES = ("幸福里", "长乐坊", "金花苑", "紫薇花园", "枫林绿洲", "韩森寨", "尚德苑", "东方家园",
               "兴庆花园", "民乐园", "八府庄", "大明宫", "太华苑")
BUILDINGS = ("东方大厦", "鸿基大厦", "长乐大厦", "恒兴商务楼", "新城科技大厦", "锦绣商务中心",
             "万和国际", "金花商务大厦", "解放商务楼", "尚德大厦")
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                   "156", "158", "159", "173", "176", "177", "180", "181", "186", "187", "189",
                   "191", "199")
TRADE_NAMES = ("鑫盛", "华鼎", "博远", "秦川", "德润", "瑞祥", "恒通", "嘉禾", "锦程", "宏达", "金辉",
               "明远", "兴业", "聚源", "汇通", "诚信", "泰和", "永盛", "安泰", "佳和", "广源", "凯越",
               "同创", "昊天", "卓越", "优品", "乐享", "古都", "长缨", "灞柳", "曲江", "唐韵", "长安",
               "丰庆", "尚德", "新城", "领航", "众诚", "百川", "润泽", "青禾", "德馨", "万和", "如意")
# Which trades apply for which matters: looked up by words in the matter's name.
TRADES = (
    (("食品", "餐饮", "餐馆"), ("餐饮管理", "餐饮服务", "食品", "餐饮文化")),
    (("药",), ("医药", "大药房", "医药连锁")),
    (("人力资源", "劳务"), ("人力资源", "劳务服务", "企业管理咨询")),
    (("幼儿园", "学校", "教育", "民办"), ("教育科技", "文化教育", "教育咨询")),
    (("医疗",), ("医疗管理", "诊所管理", "健康管理")),
    (("养老",), ("养老服务", "康养服务")),
    (("出版物", "图书"), ("文化传媒", "图书", "书店")),
    (("广告", "招牌"), ("广告", "文化传媒", "广告装饰工程")),
    (("卫生", "美容"), ("美容美发", "酒店管理", "健身服务", "洗浴服务")),
    (("消防", "聚集"), ("商业运营管理", "酒店管理", "娱乐", "餐饮管理")),
    (("项目", "工程", "建设", "施工", "规划", "道路", "管线", "轨道", "垃圾", "污水", "排水", "环境"),
     ("建设工程", "建筑工程", "市政工程", "城市建设投资", "置业", "环保科技", "路桥工程")),
)
DEFAULT_TRADES = ("商贸", "科技", "信息技术", "文化传媒", "商业管理", "物业管理", "贸易", "电子科技")

DEFECT_ORIGINAL = ("提交的为复印件，该材料须提交原件", "未加盖申请单位公章，请加盖公章后重新提交",
                   "申请表未经法定代表人（负责人）签字，请签字后提交",
                   "填写内容不完整，部分栏目空白，请按示范文本填写完整",
                   "填写的住所与营业执照记载不一致，请核实后重新填写")
DEFECT_COPY = ("复印件字迹模糊，无法辨认，请提交清晰的复印件", "证明文件已超过有效期，请提交有效期内的证明",
               "复印件未注明“与原件一致”并由申请人签字确认", "证件信息与申请人身份信息不一致，请核实")
REFUSALS = (
    ("申请事项依法不需要取得行政许可，可直接办理备案",
     "《中华人民共和国行政许可法》第三十二条第一款第（一）项", None),
    ("申请事项不属于本机关职权范围：经营场所位于碑林区，应向碑林区行政审批部门申请",
     "《中华人民共和国行政许可法》第三十二条第一款第（二）项", "西安市碑林区行政审批服务局"),
    ("申请事项不属于本机关职权范围：该事项由市级部门办理",
     "《中华人民共和国行政许可法》第三十二条第一款第（二）项", "西安市行政审批服务局"),
    ("申请人一年内曾因隐瞒有关情况、提供虚假材料被不予受理，一年内不得再次申请该行政许可",
     "《中华人民共和国行政许可法》第七十八条", None),
)


@dataclass(frozen=True)
class _DemoClock(Clock):
    """A fixed day at a chosen time of day, so the records show office hours."""

    at: datetime | None = None

    def now(self) -> datetime:
        return self.at or super().now()


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights)[0]


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) for an older credit code."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


class _People:
    """Invented applicants: valid, unique, and looking like the people of Xi'an."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.ids: set[str] = set()
        self.codes: set[str] = set()
        self.names: set[str] = set()

    def name(self, male: bool | None = None) -> tuple[str, bool]:
        rng = self.rng
        male = rng.random() < 0.5 if male is None else male
        if rng.random() < 0.4:
            given = rng.choice(MALE_GIVEN_1 if male else FEMALE_GIVEN_1)
        else:
            given = rng.choice(MALE_GIVEN_2 if male else FEMALE_GIVEN_2)
        return rng.choice(SURNAMES) + given, male

    def id_number(self, male: bool) -> str:
        rng = self.rng
        while True:
            age_days = rng.randint(22 * 365, 66 * 365)
            birth = self.today - timedelta(days=age_days)
            seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
            number = make_id_number(_weighted(rng, BIRTH_REGIONS), birth, seq)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self, landline: bool = False) -> str:
        rng = self.rng
        if landline:
            return f"029-8{rng.randint(0, 9_999_999):07d}"
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def address(self, business: bool) -> str:
        rng = self.rng
        district = _weighted(rng, DISTRICT_WEIGHTS.items())
        street = rng.choice(STREETS[district])
        head = f"西安市{district}{street}{rng.randint(1, 299)}号"
        if business:
            if rng.random() < 0.5:
                return f"{head}{rng.choice(BUILDINGS)}{rng.randint(2, 28)}层{rng.randint(1, 30):02d}室"
            return f"{head}{rng.randint(1, 20)}号商铺"
        return (f"{head}{rng.choice(COMMUNITIES)}小区{rng.randint(1, 24)}号楼"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室")

    def person(self) -> dict[str, object]:
        name, male = self.name()
        return {"kind": "person", "name": name, "id_number": self.id_number(male),
                "phone": self.phone(), "address": self.address(False)}

    def enterprise(self, matter_names: list[str]) -> dict[str, object]:
        rng = self.rng
        trades: tuple[str, ...] = DEFAULT_TRADES
        text = "".join(matter_names)
        for words, options in TRADES:
            if any(w in text for w in words):
                trades = options
                break
        while True:
            prefix = "西安" if rng.random() < 0.8 else "陕西"
            name = f"{prefix}{rng.choice(TRADE_NAMES)}{rng.choice(trades)}有限公司"
            if name not in self.names:
                self.names.add(name)
                break
        while True:
            if rng.random() < 0.7:
                body = "MA6" + "".join(rng.choice(CREDIT_CHARSET) for _ in range(6))
            else:
                body = _org_code(rng)
            code = make_credit_code(_weighted(rng, COMPANY_REGIONS), body)
            if code not in self.codes:
                self.codes.add(code)
                break
        rep, _ = self.name()
        out: dict[str, object] = {"kind": "enterprise", "name": name, "credit_code": code, "legal_rep": rep,
               "phone": self.phone(landline=rng.random() < 0.4), "address": self.address(True)}
        if rng.random() < 0.35:
            agent, male = self.name()
            out["agent"] = {"name": agent, "id_number": self.id_number(male), "phone": self.phone()}
        return out


# ---- the demo ----------------------------------------------------------------------------

def _actor(user: User) -> Actor:
    return Actor(user.login, user.name, user.role, user.station,
                 frozenset(r for r in (user.rights or "").split(",") if r))


def _ensure_users(ws: Workstation) -> tuple[list[str], list[str]]:
    """Add the demo users that are not there yet; returns (created, already there)."""
    with ws.reading() as s:
        existing = {u.login: u for u in s.scalars(select(User))}
    admins = [u for u in existing.values() if u.role == "admin" and u.active]
    creator = _actor(admins[0]) if admins else None
    created, kept = [], []
    for login, name, role, station, rights in DEMO_USERS:
        if login in existing:
            kept.append(login)
            continue
        user = add_user(ws, creator, login, name, role, DEMO_PASSWORD, station=station,
                        rights=rights)
        created.append(login)
        if creator is None and role == "admin":
            creator = user
    return created, kept


def _counter_clerk(ws: Workstation) -> Actor:
    with ws.reading() as s:
        users = {u.login: u for u in s.scalars(select(User).where(User.active))}
    preferred = users.get("clerk")
    if preferred is not None and _actor(preferred).can("accept") and preferred.role == "clerk":
        return _actor(preferred)
    for user in users.values():
        if user.role == "clerk":
            return _actor(user)
    raise DomainError("没有可用的综合窗口受理员账号，无法生成演示案件")


def _set_up(ws: Workstation) -> bool:
    """Whether the folder already belongs to a terminal: its settings or any user."""
    with ws.reading() as s:
        has_users = bool(s.scalar(select(func.count()).select_from(User)))
    return has_users or ws.is_initialised()


def _acceptance_count(ws: Workstation) -> int:
    with ws.reading() as s:
        return s.scalar(select(func.count()).select_from(Acceptance)) or 0


def _office_times(rng: random.Random, day: date, n: int) -> list[datetime]:
    """n distinct moments in office hours (9:00–12:00, 13:30–17:30), in order."""
    slots = list(range(9 * 3600, 12 * 3600)) + list(range(13 * 3600 + 1800, 17 * 3600 + 1800))
    picks = sorted(rng.sample(slots, min(n, len(slots))))
    return [datetime.combine(day, time(p // 3600, p // 60 % 60, p % 60)) for p in picks]


def _after(calendar: WorkCalendar, day: date, days: int) -> date:
    """`days` working days after `day`: the demo suspends nothing, so the day is known."""
    due = add_working_days(calendar, day, days).day
    assert due is not None
    return due


class _Generator:
    def __init__(self, ws: Workstation, clerk: Actor, catalog: Catalog, calendar: WorkCalendar,
                 rng: random.Random, today: date):
        self.ws, self.clerk, self.catalog, self.calendar, self.rng = ws, clerk, catalog, calendar, rng
        self.people = _People(rng, today)
        self.known: dict[str, list[dict]] = {"person": [], "enterprise": []}
        self.returns: dict[date, list[tuple[list[str], dict]]] = {}
        self.tally: Counter = Counter()
        self.case_count = 0
        weight = {Category.COMMERCIAL: 4, Category.LIVELIHOOD: 2, Category.INVESTMENT: 1}
        self.matters = list(catalog.matters)
        self.matter_weights = [weight.get(m.category, 1) for m in self.matters]
        self.bundles = [b for b in catalog.bundles if self._kinds([catalog.matter(c) for c in b.matters])]
        self.tolerable = [m for m in self.matters if m.allows_tolerance and m.promised_days >= 1
                          and any(x.tolerable for x in m.materials)]

    # -- choosing -----------------------------------------------------------------------------

    @staticmethod
    def _kinds(matters: list[Matter]) -> list[str]:
        kinds = set(matters[0].applicant_kinds)
        for m in matters[1:]:
            kinds &= set(m.applicant_kinds)
        return sorted(kinds)

    def _matter(self, pool: list[Matter] | None = None) -> Matter:
        if pool is None:
            return self.rng.choices(self.matters, self.matter_weights)[0]
        return self.rng.choice(pool)

    def _applicant(self, matters: list[Matter]) -> dict:
        rng = self.rng
        kinds = self._kinds(matters)
        if kinds == ["enterprise", "person"]:
            # Enterprise-sounding matters are mostly asked for by enterprises.
            kind = "enterprise" if rng.random() < 0.55 else "person"
        else:
            kind = kinds[0]
        pool = self.known[kind]
        if pool and rng.random() < P_RETURNING:
            self.tally["returning"] += 1
            return rng.choice(pool)
        applicant = (self.people.person() if kind == "person"
                     else self.people.enterprise([m.name for m in matters]))
        pool.append(applicant)
        return applicant

    def _received(self, matters: list[Matter], skip: Set[str] = frozenset()) -> list[str]:
        """Every required material and some optional ones, each named MATTER:CODE."""
        out = []
        for m in matters:
            for x in m.materials:
                key = f"{m.code}:{x.code}"
                if key in skip:
                    continue
                if x.required or self.rng.random() < 0.5:
                    out.append(key)
        return out

    # -- the four outcomes -------------------------------------------------------------------

    def _accept(self, day: date, matters: list[Matter] | None = None,
                applicant: dict | None = None) -> None:
        rng = self.rng
        if matters is None:
            if self.bundles and rng.random() < P_BUNDLE:
                bundle = rng.choice(self.bundles)
                ms = [self.catalog.matter(c) for c in bundle.matters]
                result = accept(self.ws, self.clerk, Intake([bundle.code], self._applicant(ms),
                                                            self._received(ms)))
                self._count("bundle", result)
                return
            matters = [self._matter()]
        if applicant is None:
            applicant = self._applicant(matters)
        on_spot = (all(m.kind is MatterKind.IMMEDIATE for m in matters)
                   and self.clerk.can("approve_on_spot") and rng.random() < P_ON_SPOT)
        result = accept(self.ws, self.clerk, Intake([m.code for m in matters], applicant,
                                                    self._received(matters)), approve_now=on_spot)
        self._count("on_spot" if on_spot else "accepted", result)

    def _tolerate(self, day: date) -> None:
        if not self.tolerable:
            return self._accept(day)
        matter = self._matter(self.tolerable)
        applicant = self._applicant([matter])
        options = [x for x in matter.materials if x.tolerable]
        owed = self.rng.choice([x for x in options if x.required] or options)
        limit = _after(self.calendar, day, matter.promised_days)
        when = _after(self.calendar, day, self.rng.randint(1, 2))
        when = min(when, limit)
        key = f"{matter.code}:{owed.code}"
        received = self._received([matter], skip={key})
        try:
            result = accept(self.ws, self.clerk, Intake([matter.code], applicant, received,
                                                        promises={key: when}))
        except DomainError:
            # Not open for 容缺 after all (e.g. a flagged applicant): take the full set.
            return self._accept(day, [matter], applicant)
        self._count("tolerated", result)

    def _notify(self, day: date) -> None:
        rng = self.rng
        matter = self._matter()
        applicant = self._applicant([matter])
        required = [x for x in matter.materials if x.required]
        missing = set(rng.sample(required, min(len(required), rng.choice((1, 1, 1, 2)))))
        defects = {}
        present = [x for x in required if x not in missing]
        if present and rng.random() < 0.5:
            bad = rng.choice(present)
            reasons = DEFECT_ORIGINAL if bad.form.value == "原件" else DEFECT_COPY
            defects[f"{matter.code}:{bad.code}"] = rng.choice(reasons)
            if rng.random() < 0.5:
                missing = set()          # only the defect: everything was handed in
        skip = {f"{matter.code}:{x.code}" for x in missing}
        result = notify(self.ws, self.clerk, Intake([matter.code], applicant,
                                                    self._received([matter], skip), defects=defects))
        self._count("notified", result)
        if rng.random() < P_COMES_BACK:
            back = _after(self.calendar, day, rng.randint(1, 5))
            self.returns.setdefault(back, []).append(([matter.code], applicant))

    def _refuse(self, day: date) -> None:
        rng = self.rng
        matter = self._matter()
        applicant = self._applicant([matter])
        reason, basis, organ = rng.choice(REFUSALS)
        received = [f"{matter.code}:{x.code}" for x in matter.materials
                    if x.required and rng.random() < 0.7]
        result = refuse(self.ws, self.clerk, Intake([matter.code], applicant, received),
                        reason=reason, basis=basis, competent_organ=organ)
        self._count("refused", result)

    def _count(self, outcome: str, result) -> None:
        self.tally[outcome] += 1
        self.case_count += len(result.cases)

    # -- a day at the counter ----------------------------------------------------------------

    def _come_back(self, day: date) -> bool:
        """An applicant told to supplement comes back with everything: accepted."""
        due = [d for d in self.returns if d <= day and self.returns[d]]
        if not due:
            return False
        codes, applicant = self.returns[min(due)].pop(0)
        try:
            self._accept(day, [self.catalog.matter(c) for c in codes], applicant)
        except DomainError:
            return False
        self.tally["came_back"] += 1
        return True

    def one(self, day: date) -> None:
        r = self.rng.random()
        action: Callable[[date], None]
        if r < P_ACCEPT:
            if self._come_back(day):
                return
            action = self._accept
        elif r < P_ACCEPT + P_TOLERATE:
            action = self._tolerate
        elif r < P_ACCEPT + P_TOLERATE + P_NOTIFY:
            action = self._notify
        else:
            action = self._refuse
        try:
            action(day)
        except DomainError:
            # Whatever the catalog makes impossible, a complete application is accepted.
            self.tally["fallback"] += 1
            self._accept(day, [self._matter()])


def _working_days(calendar: WorkCalendar, today: date) -> list[date]:
    days = [today - timedelta(days=n) for n in range(SPAN_DAYS - 1, -1, -1)]
    return [d for d in days if calendar.is_workday(d)]


def _user_lines(created: list[str], kept: list[str]) -> list[str]:
    notes = {"clerk": "（可当场审批即办件）", "station": "（站点 S01）"}
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for login, name, role, _, _ in DEMO_USERS:
        mark = "" if login not in kept else "（此前已存在，未改动，密码以原设置为准）"
        lines.append(f"  {login:<11}{name}  {ROLES[role]}{notes.get(login, '')}{mark}")
    return lines


def build_demo(ws: Workstation, cases: int = 300, if_empty: bool = False) -> DemoResult:
    """Fill the workstation with `cases` applications over the last ~60 days.

    Initialises the terminal (新城区, terminal 001) and adds the demo users, all with
    the password ``demo1234``, on a fresh data folder only: a folder already set up
    (settings or users) is refused, or with ``if_empty`` left alone.
    """
    if not isinstance(cases, int) or isinstance(cases, bool) or not 0 <= cases <= MAX_CASES:
        raise DomainError(f"演示案件数应为0至{MAX_CASES}之间的整数")
    # The demo adds an admin whose password is printed for all to read: only ever on a
    # data folder nobody uses yet, never beside a real terminal's users.
    if _set_up(ws):
        existing = _acceptance_count(ws)
        if if_empty:
            return {"message": f"数据目录 {ws.data_dir} 已初始化（已有{existing}件受理记录），"
                               "未生成演示数据，未作任何改动。", "skipped": True, "existing": existing,
                    "data_dir": str(ws.data_dir)}
        raise DomainError(f"数据目录 {ws.data_dir} 已初始化并在使用中（已有{existing}件受理记录）："
                          "演示数据只能生成在新的空数据目录中（如 --data-dir 演示数据），未作任何改动")
    original = ws.clock
    today = original.today()
    rng = random.Random(SEED)
    try:
        initialised = False
        # Set-up and users are dated at the start of the demo period, so the audit
        # log reads in order of time.
        start = today - timedelta(days=SPAN_DAYS)
        ws.clock = _DemoClock(start, datetime.combine(start, time(8, 30)))
        if not ws.is_initialised():
            init(ws, dict(DEMO_SETTINGS))
            initialised = True
        created, kept = _ensure_users(ws)
        clerk = _counter_clerk(ws)
        _, catalog = current_catalog(ws)
        with ws.reading() as s:
            calendar = calendar_service.load(s)
        days = _working_days(calendar, today)
        gen = _Generator(ws, clerk, catalog, calendar, rng, today)
        per_day: Counter = Counter()
        if cases and days:
            # Mondays are busy, Friday afternoons quiet; each day has its own mood.
            weights = [(1.3 if d.weekday() == 0 else 0.8 if d.weekday() == 4 else 1.0)
                       * rng.uniform(0.6, 1.4) for d in days]
            per_day.update(rng.choices(days, weights, k=cases))
        for day in days:
            n = per_day[day]
            for moment in _office_times(rng, day, n):
                ws.clock = _DemoClock(day, moment)
                gen.one(day)
    finally:
        ws.clock = original
    t = gen.tally
    total = sum(t[k] for k in ("accepted", "bundle", "on_spot", "tolerated", "notified", "refused"))
    span = f"{days[0]}至{days[-1]}期间" if days else "近期"
    settings = ws.settings()
    lines = [f"演示数据已生成（数据目录 {ws.data_dir}）。"]
    if initialised:
        lines.append(f"已初始化本终端：{settings.authority}（{settings.authority_short}），"
                     f"区划 {settings.region}，终端 {settings.terminal}。")
    if created:
        lines.append(f"新建演示账号{len(created)}个：{'、'.join(created)}。")
    lines.append(
        f"{span}的{len(days)}个工作日共登记{total}件申请、{gen.case_count}个案件："
        f"受理{t['accepted'] + t['bundle'] + t['on_spot']}件（其中“一件事”{t['bundle']}件、"
        f"即办件当场审批{t['on_spot']}件、补正后再来受理{t['came_back']}件），容缺受理{t['tolerated']}件，"
        f"一次性告知{t['notified']}件，不予受理{t['refused']}件；老申请人再次来办{t['returning']}次。")
    lines += _user_lines(created, kept)
    return {
        "message": "\n".join(lines), "skipped": False, "data_dir": str(ws.data_dir),
        "initialised": initialised, "users_created": created, "users_existing": kept,
        "password": DEMO_PASSWORD, "from": days[0].isoformat() if days else None,
        "to": days[-1].isoformat() if days else None, "acceptances": total,
        "cases": gen.case_count,
        "outcomes": {"accepted": t["accepted"] + t["bundle"] + t["on_spot"], "bundles": t["bundle"],
                     "approved_on_spot": t["on_spot"], "tolerated": t["tolerated"],
                     "notified": t["notified"], "refused": t["refused"]},
    }
