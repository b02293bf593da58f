"""Shared by the benchmarks: the cached data directory with N cases, statistics, results.

The data directory is built once per case count and kept under bench/out/ (git-ignored):

* the real start of a terminal through the services — ``Workstation(...).open()``
  (Alembic migrations), ``services.setup.init`` (settings and the bundled catalog,
  29 matters), ``services.auth.add_user`` (admin, clerk) — so the schema, settings,
  catalog, users and audit chain are exactly what the application writes;
* then ten years of counter history written straight into that migrated schema with
  ``sqlite3.executemany`` (one terminal, ~400 acceptances per working day): applicants
  (60 % of the case count; 60 % persons with common Chinese names, 2 and 3 characters,
  valid ID numbers from ``make_id_number``; 40 % enterprises with valid credit codes from
  ``make_credit_code``), their bigram rows in ``applicant_grams``
  (``services.search_index.bigrams``), acceptances, cases (5 % of visits are 一件事
  bundles with 2 cases), case materials, documents with their 文号, the receipt counters
  and the number blocks those 文号 came from.

The audit log and the outbox are left as the services wrote them: the audit chain
is read only from its head (settings), so its length does not change what an
acceptance costs, and outbox events leave the table once the centre acknowledges them.

Row formats (dates, datetimes, JSON ``null``, booleans) are the ones SQLAlchemy
writes; ``bench/out/db-N/meta.json`` records what was built and how long it took.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
TODAY = date(2026, 9, 30)          # the benches' fixed "today" (as in the tests)
PASSWORD = "bench1234"
SETTINGS = {"region": "610102", "terminal": "001", "authority": "西安市新城区行政审批服务局",
            "authority_short": "新城审"}
DEFAULT_CASES = 1_000_000
PER_DAY = 400                      # acceptances per working day in the history
BUILD_VERSION = 3                  # bump when the generated data changes shape
MATERIALS_PER_CASE = 2
APPLICANTS_PER_CASE = 0.6
P_PERSON = 0.6
P_BUNDLE = 0.05

# ---- names ---------------------------------------------------------------------------------

# Weighted like the real frequency table: 王李张刘陈 cover about a third of the population.
SURNAMES = ("王" * 10 + "李" * 10 + "张" * 9 + "刘" * 8 + "陈" * 7 + "杨" * 6 + "赵" * 5 + "黄" * 4
            + "周" * 4 + "吴" * 4 + "徐" * 3 + "孙" * 3 + "马" * 3 + "朱" * 2 + "胡" * 2 + "郭" * 2
            + "何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
            "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤党樊")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容", "皇甫", "令狐", "宇文", "尉迟")
GIVEN_1 = "伟强磊军勇杰涛斌超明刚辉鹏飞鑫波宇浩凯健峰亮龙阳毅博芳娜敏静丽艳娟霞燕玲婷慧颖琳倩洁红莉萍雪丹蕾瑶璐"
GIVEN_2_CLASSIC = ("建国", "志强", "海涛", "俊杰", "子轩", "浩然", "文博", "宇航", "明辉", "国栋", "永刚",
                   "晓东", "立新", "建军", "振华", "鹏飞", "一鸣", "天佑", "家豪", "嘉诚", "军利", "小龙",
                   "宏伟", "卫东", "博文", "思远", "新民", "红军", "利民", "少华", "秀英", "丽娟", "晓燕",
                   "婷婷", "雪梅", "静怡", "欣怡", "梦琪", "佳怡", "雨涵", "思彤", "丹丹", "海燕", "淑芬",
                   "玉兰", "春梅", "晓丽", "美玲", "诗涵", "若曦", "亚楠", "彩霞", "小红", "慧敏", "文娟",
                   "秋菊", "雅琴", "艳萍")
GIVEN_POOL = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬飞鑫波斌宇浩凯健俊帆帅旭宁龙"
              "林欢阳建国志海晓东文博晨辰思雨婷雪梅佳怡欣悦子轩梓涵诺然航家豪嘉诚天佑振立新永庆春燕丹蕾"
              "瑶璐颖琳倩洁莉慧淑珍兵亮峰毅鹏辉成康荣坤德智睿哲彬琪琦昊瀚泽楠云凤霖源铭轶翔宏彦卓远"
              "晴岚婉清露茜蓉薇萱妍钰")
RARE_SURNAMES = "禤乜羋亓厍訾"    # for names that are surely absent
PLACE_PREFIXES = ("西安", "西安", "西安", "陕西", "西安市新城区")
BRAND_CHARS = ("鑫盛华鼎博远秦川德润瑞祥恒通嘉禾锦程宏达金辉明兴业聚源汇诚信泰和永安佳广凯越同创昊天"
               "卓优品乐享古都长缨灞柳曲江唐韵丰庆尚新领航众百润泽青馨万如意光荣隆昌晟宸铭轩睿智腾飞"
               "星辰宇宙云海川峰岳嵩华夏中西北方东南圣元亨利贞福禄寿喜康宁吉祥美丽")
TRADES = ("餐饮管理", "餐饮服务", "食品", "餐饮文化", "医药", "大药房", "医药连锁", "人力资源",
          "劳务服务", "企业管理咨询", "教育科技", "文化教育", "教育咨询", "医疗管理", "诊所管理",
          "健康管理", "养老服务", "康养服务", "文化传媒", "图书", "书店", "广告", "广告装饰工程",
          "美容美发", "酒店管理", "健身服务", "洗浴服务", "商业运营管理", "娱乐", "建设工程",
          "建筑工程", "市政工程", "城市建设投资", "置业", "环保科技", "路桥工程", "商贸", "科技",
          "信息技术", "商业管理", "物业管理", "贸易", "电子科技", "网络科技", "软件开发", "物流",
          "汽车服务", "装饰工程", "农业科技", "生物科技")
COMPANY_SUFFIXES = ("有限公司",) * 6 + ("有限责任公司",) * 2 + ("股份有限公司",)
BIRTH_REGIONS = (("610102", 8), ("610103", 7), ("610104", 7), ("610113", 7), ("610112", 5),
                 ("610111", 3), ("610116", 3), ("610115", 2), ("610117", 1), ("610118", 1),
                 ("610114", 1), ("610402", 2), ("610302", 2), ("610502", 2), ("610602", 1),
                 ("610702", 1), ("610802", 1), ("612401", 1))
COMPANY_REGIONS = (("610102", 8), ("610103", 4), ("610104", 3), ("610113", 4), ("610112", 2),
                   ("610111", 1))
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "173", "177", "180", "181", "186", "187", "189", "191", "199")
STREETS = ("解放路", "东五路", "西一路", "尚德路", "长乐西路", "韩森路", "自强东路", "太华南路", "东新街",
           "公园南路", "金花北路", "幸福南路", "西七路", "南大街", "东大街", "和平路", "友谊东路",
           "北大街", "西大街", "莲湖路", "小寨东路", "长安南路", "科技路", "未央路", "凤城二路")
DISTRICTS = ("新城区", "新城区", "新城区", "碑林区", "莲湖区", "雁塔区", "未央区", "灞桥区")


def _weighted_table(pairs) -> list[str]:
    return [item for item, weight in pairs for _ in range(weight)]


class People:
    """Invented applicants: valid identity codes (unique), common names (not unique)."""

    def __init__(self, rng: random.Random, *, exclude_ids=frozenset(), exclude_names=frozenset()):
        from workstation.domain.identity import CREDIT_CHARSET

        self.rng = rng
        self.ids: set[str] = set(exclude_ids)
        self.company_names: set[str] = set(exclude_names)
        self.birth_regions = _weighted_table(BIRTH_REGIONS)
        self.company_regions = _weighted_table(COMPANY_REGIONS)
        self.credit_chars = CREDIT_CHARSET
        self.addresses = [f"西安市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 299)}号"
                          + (f"{rng.randint(1, 24)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 32)}"
                             f"{rng.randint(1, 4):02d}室" if i % 2 else f"{rng.randint(1, 20)}号商铺")
                          for i in range(5000)]

    def person_name(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.35:                                    # 2 characters: 王伟
            return rng.choice(SURNAMES) + rng.choice(GIVEN_1)
        if r < 0.60:                                    # 3 characters, a classic given name
            return rng.choice(SURNAMES) + rng.choice(GIVEN_2_CLASSIC)
        if r < 0.97:                                    # 3 characters, any two given characters
            return rng.choice(SURNAMES) + rng.choice(GIVEN_POOL) + rng.choice(GIVEN_POOL)
        return rng.choice(COMPOUND_SURNAMES) + rng.choice(GIVEN_POOL) + (
            rng.choice(GIVEN_POOL) if rng.random() < 0.7 else "")

    def company_name(self) -> str:
        rng = self.rng
        while True:
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            name = f"{rng.choice(PLACE_PREFIXES)}{brand}{rng.choice(TRADES)}{rng.choice(COMPANY_SUFFIXES)}"
            if name not in self.company_names:
                self.company_names.add(name)
                return name

    def id_number(self) -> str:
        from workstation.domain.identity import make_id_number

        rng = self.rng
        while True:
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
            number = make_id_number(rng.choice(self.birth_regions), birth, rng.randrange(1000))
            if number not in self.ids:
                self.ids.add(number)
                return number

    def credit_code(self) -> str:
        from workstation.domain.identity import make_credit_code

        rng = self.rng
        while True:
            body = "MA6" + "".join(rng.choices(self.credit_chars, k=6))
            code = make_credit_code(rng.choice(self.company_regions), body)
            if code not in self.ids:
                self.ids.add(code)
                return code

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def person(self) -> dict:
        return {"kind": "person", "name": self.person_name(), "id_number": self.id_number(),
                "phone": self.phone(), "address": self.rng.choice(self.addresses)}

    def enterprise(self) -> dict:
        return {"kind": "enterprise", "name": self.company_name(), "credit_code": self.credit_code(),
                "legal_rep": self.person_name(), "phone": self.phone(),
                "address": self.rng.choice(self.addresses)}


# ---- formats SQLAlchemy uses for SQLite ----------------------------------------------------

def sa_datetime(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def sa_date(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


# ---- the data directory --------------------------------------------------------------------

def data_dir_for(cases: int) -> Path:
    return OUT / f"db-{cases}"


def small_data_dir() -> Path:
    """An initialised terminal with users and the catalog but no cases (window bench)."""
    d = OUT / "db-empty"
    if (d / "meta.json").exists():
        return d
    tmp = OUT / "db-empty.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    _init_through_services(tmp)
    (tmp / "meta.json").write_text(json.dumps({"cases": 0}), encoding="utf-8")
    shutil.rmtree(d, ignore_errors=True)
    tmp.rename(d)
    return d


def _init_through_services(directory: Path) -> None:
    from workstation.config import Clock
    from workstation.services import Workstation
    from workstation.services.auth import add_user
    from workstation.services.setup import init

    ws = Workstation(directory, Clock(TODAY)).open()
    try:
        init(ws, SETTINGS)
        admin = add_user(ws, None, "admin", "管理员", "admin", PASSWORD)
        add_user(ws, admin, "clerk", "王敏", "clerk", PASSWORD)
    finally:
        ws.close()


def ensure_data_dir(cases: int, *, log=print) -> Path:
    """The cached data directory with `cases` cases; built (and timed) if missing."""
    d = data_dir_for(cases)
    meta = d / "meta.json"
    if meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("version") == BUILD_VERSION and info.get("cases") == cases:
            log(f"数据库：使用缓存 {d}（{cases:,} 件，构建耗时 {info['build_seconds']:.1f} s）")
            return d
    tmp = d.with_name(d.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"数据库：构建 {cases:,} 件案件于 {d} …")
    t0 = time.perf_counter()
    _init_through_services(tmp)
    t_services = time.perf_counter() - t0
    counts = _populate(tmp, cases, log=log)
    t_total = time.perf_counter() - t0
    counts.update(version=BUILD_VERSION, cases=cases, build_seconds=round(t_total, 1),
                  services_seconds=round(t_services, 1), built_on=datetime.now().isoformat(timespec="seconds"),
                  db_bytes=(tmp / "workstation.sqlite3").stat().st_size)
    (tmp / "meta.json").write_text(json.dumps(counts, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(d, ignore_errors=True)
    tmp.rename(d)
    log(f"数据库：构建完成，用时 {t_total:.1f} s（服务初始化 {t_services:.1f} s），"
        f"文件 {counts['db_bytes'] / 2**20:,.0f} MiB，" +
        "，".join(f"{k} {v:,}" for k, v in counts.items() if k.startswith("rows_")))
    return d


def _history_days(n_acceptances: int) -> list[date]:
    """Working days (Mon–Fri, not the official holidays) before TODAY, oldest first."""
    import chinese_calendar

    need = max(1, math.ceil(n_acceptances / PER_DAY))
    days, day = [], TODAY
    while len(days) < need:
        day -= timedelta(days=1)
        try:
            work = chinese_calendar.is_workday(day)
        except NotImplementedError:
            work = day.weekday() < 5
        if work:
            days.append(day)
    return days[::-1]


def _populate(directory: Path, n_cases: int, *, log=print) -> dict:
    from forms import DOCUMENTS_BY_OUTCOME
    from workstation.services.search_index import bigrams
    from workstation.services.settings import DEFAULT_ACTS

    rng = random.Random(20261130 + n_cases)
    path = directory / "workstation.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-3000000", "temp_store=MEMORY",
                   "locking_mode=EXCLUSIVE", "foreign_keys=OFF"):
        conn.execute(f"PRAGMA {pragma}")

    catalog_id, catalog_json = conn.execute(
        "SELECT id, data FROM catalog_versions ORDER BY id DESC LIMIT 1").fetchone()
    from workstation.domain.catalog import parse_catalog

    catalog = parse_catalog(json.loads(catalog_json))
    matters_for = {k: [m for m in catalog.matters if k in m.applicant_kinds]
                   for k in ("person", "enterprise")}
    bundles_for = {k: [b for b in catalog.bundles
                       if all(k in catalog.matter(c).applicant_kinds for c in b.matters)]
                   for k in ("person", "enterprise")}
    acts = DEFAULT_ACTS
    short, region, terminal = SETTINGS["authority_short"], SETTINGS["region"], SETTINGS["terminal"]

    # Visits, oldest first: each either a new applicant or a returning one.
    mean_bundle = {k: (sum(len(b.matters) for b in v) / len(v) if v else 1.0)
                   for k, v in bundles_for.items()}
    cases_per_visit = 1 + P_BUNDLE * (P_PERSON * (mean_bundle["person"] - 1)
                                      + (1 - P_PERSON) * (mean_bundle["enterprise"] - 1))
    n_acc_est = int(n_cases / cases_per_visit)
    days = _history_days(n_acc_est)
    n_applicants = max(1, int(n_cases * APPLICANTS_PER_CASE))
    people = People(rng)
    t0 = time.perf_counter()
    applicants: list[list] = []          # kind, name, id_type, id_number, legal_rep, phone, address, created, updated
    n_persons = int(n_applicants * P_PERSON)
    order = [True] * n_persons + [False] * (n_applicants - n_persons)
    rng.shuffle(order)
    for is_person in order:
        if is_person:
            p = people.person()
            applicants.append(["person", p["name"], "id_card", p["id_number"], "", p["phone"],
                               p["address"], None, None])
        else:
            e = people.enterprise()
            applicants.append(["enterprise", e["name"], "credit_code", e["credit_code"],
                               e["legal_rep"], e["phone"], e["address"], None, None])
    log(f"  申请人 {n_applicants:,} 个已生成（{time.perf_counter() - t0:.1f} s）")

    acc_sql = ("INSERT INTO acceptances(id, receipt_no, outcome, applicant_id, applicant_kind, "
               "applicant_name, applicant_id_type, applicant_id_number, applicant_legal_rep, "
               "applicant_phone, applicant_address, agent, bundle_code, "
               "bundle_name, station, terminal, clerk, received_on, created_at, notice) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    case_sql = ("INSERT INTO cases(id, acceptance_id, seq, applicant_id, catalog_version_id, matter_code, "
                "matter_name, category, matter_kind, status, station, accepted_on, statutory_days, "
                "promised_days, extension_days, due_date, statutory_due_date, provisional, decided_on, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    mat_sql = ("INSERT INTO case_materials(case_id, code, name, form, copies, required, state, "
               "promise_date, note) VALUES (?,?,?,?,?,?,?,?,?)")
    doc_sql = ("INSERT INTO documents(acceptance_id, case_id, kind, number, issued_on, path) "
               "VALUES (?,?,?,?,?,NULL)")
    refusal = json.dumps({"reason": "申请事项不属于本机关职权范围：该事项由市级部门办理",
                          "basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
                          "competent_organ": "西安市行政审批服务局"}, ensure_ascii=False)
    doc_seq: dict[tuple[str, int], int] = {}
    counters: list[tuple[str, int]] = []
    rows_acc, rows_case, rows_mat, rows_doc = [], [], [], []
    totals = dict.fromkeys(("rows_acceptances", "rows_cases", "rows_case_materials", "rows_documents"), 0)
    next_new = 0
    cases_done = 0
    getrandbits = rng.getrandbits
    random_ = rng.random
    clerks = ("clerk",)
    slots = list(range(9 * 3600, 12 * 3600)) + list(range(13 * 3600 + 1800, 17 * 3600 + 1800))

    def flush():
        conn.executemany(acc_sql, rows_acc)
        conn.executemany(case_sql, rows_case)
        conn.executemany(mat_sql, rows_mat)
        conn.executemany(doc_sql, rows_doc)
        totals["rows_acceptances"] += len(rows_acc)
        totals["rows_cases"] += len(rows_case)
        totals["rows_case_materials"] += len(rows_mat)
        totals["rows_documents"] += len(rows_doc)
        for rows in (rows_acc, rows_case, rows_mat, rows_doc):
            rows.clear()

    t1 = time.perf_counter()
    conn.execute("BEGIN")
    for day_index, day in enumerate(days):
        if cases_done >= n_cases:
            break
        # Paced so that the history ends on the day before TODAY.
        per_day = math.ceil((n_cases - cases_done) / cases_per_visit / (len(days) - day_index))
        age = (TODAY - day).days
        day_iso = day.isoformat()
        if day_index == len(days) - 1:
            per_day = n_cases - cases_done          # the last day takes whatever is left
        times = sorted(rng.sample(slots, min(per_day + 3, len(slots))))
        seq_today = 0
        for sec in times:
            if cases_done >= n_cases:
                break
            # New applicants keep pace with the cases (60 of every 100), with some jitter.
            if next_new < n_applicants and (
                    next_new == 0 or next_new < n_applicants * (cases_done + 1) / n_cases
                    + (random_() - 0.5) * 40):
                app_index = next_new
                next_new += 1
            else:
                app_index = int(next_new * random_() ** 0.7)   # recent applicants return more
            app = applicants[app_index]
            created = f"{day_iso} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}.000000"
            if app[7] is None:
                app[7] = created
            app[8] = created
            kind = app[0]
            if bundles_for[kind] and random_() < P_BUNDLE and n_cases - cases_done >= 2:
                bundle = rng.choice(bundles_for[kind])
                matters = [catalog.matter(c) for c in bundle.matters][: n_cases - cases_done]
                bundle_code, bundle_name = bundle.code, bundle.name
            else:
                matters = [rng.choice(matters_for[kind])]
                bundle_code = bundle_name = None
            r = random_()
            outcome = ("accepted" if r < 0.75 else "tolerated" if r < 0.80
                       else "notified" if r < 0.92 else "refused")
            seq_today += 1
            receipt = f"{region}{day:%Y%m%d}{terminal}{seq_today:04d}"
            acc_id = f"{getrandbits(128):032x}"
            rows_acc.append((acc_id, receipt, outcome, app_index + 1, *app[:7], "null", bundle_code,
                             bundle_name,
                             "district", terminal, clerks[0], day_iso, created,
                             refusal if outcome == "refused" else "null"))
            for seq, m in enumerate(matters, start=1):
                case_id = f"{getrandbits(128):032x}"
                accepted = outcome in ("accepted", "tolerated")
                if accepted:
                    due = day + timedelta(days=m.promised_days * 7 // 5)
                    stat_due = day + timedelta(days=m.statutory_days * 7 // 5)
                    if age > 60:
                        status, decided = "delivered", sa_date(due - timedelta(days=1))
                    elif age > 20:
                        status, decided = "awaiting_delivery", sa_date(due - timedelta(days=1))
                    else:
                        status, decided = ("reviewing" if age > 3 else outcome), None
                    acc_on, due_s, stat_s = day_iso, due.isoformat(), stat_due.isoformat()
                else:
                    status, decided, acc_on, due_s, stat_s = outcome, None, None, None, None
                rows_case.append((case_id, acc_id, seq, app_index + 1, catalog_id, m.code, m.name,
                                  m.category.value, m.kind.value, status, "district", acc_on,
                                  m.statutory_days, m.promised_days, 0, due_s, stat_s, 0, decided,
                                  created))
                for mat in m.materials[:MATERIALS_PER_CASE]:
                    state = "received" if accepted or random_() < 0.5 else "missing"
                    rows_mat.append((case_id, mat.code, mat.name, mat.form.value, mat.copies,
                                     int(mat.required), state, None, ""))
                cases_done += 1
            for doc_kind in DOCUMENTS_BY_OUTCOME[outcome]:
                key = (acts[doc_kind], day.year)
                n = doc_seq[key] = doc_seq.get(key, 0) + 1
                rows_doc.append((acc_id, None, doc_kind, f"{short}{key[0]}字〔{day.year}〕第{n:05d}号",
                                 day_iso))
        counters.append((f"receipt:{region}:{terminal}:{day:%Y%m%d}", seq_today))
        if len(rows_acc) >= 50_000:
            flush()
            done = totals["rows_cases"]
            el = time.perf_counter() - t1
            log(f"  … {done:,} 件（{el:.0f} s，约 {el / max(done, 1) * n_cases - el:.0f} s 后完成案件部分）")
    flush()
    conn.executemany("INSERT INTO counters(scope, value) VALUES (?, ?)", counters)
    conn.executemany("INSERT INTO number_blocks(authority, act, year, first, last, next, source) "
                     "VALUES (?, ?, ?, 1, ?, ?, 'lease')",
                     [(short, act, year, n, n + 1) for (act, year), n in sorted(doc_seq.items())])
    t2 = time.perf_counter()
    log(f"  受理/案件/材料/文书已写入（{t2 - t1:.1f} s）")

    used = next_new
    for row in applicants[:used]:
        if row[7] is None:
            row[7] = row[8] = sa_datetime(datetime.combine(TODAY - timedelta(days=1), datetime.min.time()))
    conn.executemany(
        "INSERT INTO applicants(id, kind, name, id_type, id_number, legal_rep, phone, address, "
        "ineligible_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,NULL,?,?)",
        ((i + 1, *row) for i, row in enumerate(applicants[:used])))
    conn.executemany("INSERT INTO applicant_grams(rowid, grams) VALUES (?, ?)",
                     ((i + 1, " ".join(bigrams(row[1]))) for i, row in enumerate(applicants[:used])))
    t3 = time.perf_counter()
    log(f"  申请人及姓名索引已写入（{t3 - t2:.1f} s）")
    conn.execute("COMMIT")
    conn.execute("PRAGMA locking_mode=NORMAL")
    conn.execute("PRAGMA journal_mode=WAL")
    problems = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
    if problems:
        raise RuntimeError(f"populated data violates foreign keys: {problems}")
    conn.close()
    totals["rows_applicants"] = used
    totals["rows_counters"] = len(counters)
    totals["history_days"] = len(days)
    totals["first_day"] = days[0].isoformat()
    return totals


# ---- statistics and results ----------------------------------------------------------------

def pct(values, q: float) -> float:
    """Percentile by nearest rank (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = max(0, min(len(data) - 1, math.ceil(q / 100 * len(data)) - 1))
    return data[k]


def median(values) -> float:
    return statistics.median(values)


def save_result(name: str, result: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"result-{name}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path


def machine() -> str:
    import platform

    return (f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def warm_file_cache(data_dir: Path, *, log=print) -> None:
    """Read the database files once, so that the OS file cache holds them as it does on a
    terminal that has been in use for a while (this VM drops its file cache now and
    then; a first query on a cold cache pays the disk and would measure the disk)."""
    t = time.perf_counter()
    total = 0
    for name in ("workstation.sqlite3", "workstation.sqlite3-wal"):
        p = data_dir / name
        if p.exists():
            with open(p, "rb") as f:
                while chunk := f.read(1 << 22):
                    total += len(chunk)
    log(f"文件缓存：已预读 {total / 2**20:,.0f} MiB（{time.perf_counter() - t:.1f} s）")
