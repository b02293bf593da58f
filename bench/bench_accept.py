"""Target 1: on a database holding 1,000,000 cases, accepting one case costs at most
2x a bare insert-and-commit of the same rows, measured in the same run.

    python bench/bench_accept.py [--cases N] [--n 200] [--profile | --no-profile]

Measured: ``workstation.services.acceptance.accept`` (one matter, every required
material received: outcome 受理, 2 documents), wall time of the call, for N
applicants of whom ~70 % are new (persons and enterprises) and ~30 % come back.

Floor: a bare ``sqlite3`` connection with the application's PRAGMAs (WAL,
synchronous=FULL, foreign_keys=ON, busy_timeout) on the same database doing, per
acceptance, BEGIN IMMEDIATE; applicant lookup and insert (or update), its FTS
bigram row; receipt counter upsert; the acceptance, the case and its material
lines; per document a number-block lookup and update and the document row; the
audit entry (head read, hash, head update); the outbox row (max seq, hash); COMMIT.
The same rows with the same values the service writes, the audit chain kept valid.

Real acceptances, floor acceptances and (for reference) the floor's statements run
through the application's own engine and session take turns (ABC CBA …), so all see
the same cache, file size and WAL. The WAL is checkpointed before measuring; SQLite's
automatic checkpoint (every ~1000 WAL pages, ~15 ms here) then lands on whichever
commit crosses the threshold, so p95 figures carry that noise and p50 is the measure.
When the target is missed (or with --profile) a further run under cProfile shows
where the service's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import random
import sqlite3
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
from benchlib import PASSWORD, TODAY, median, pct  # noqa: E402

TARGET_RATIO = 2.0
WARMUP = 5


# ---- what to accept ------------------------------------------------------------------------

def make_intakes(ws, count: int, seed: int = 7) -> list[dict]:
    """`count` visits: applicant dict, matter, materials received."""
    from workstation.services.catalog import current_catalog

    _, catalog = current_catalog(ws)
    rng = random.Random(seed)
    db = sqlite3.connect(f"file:{ws.db.path}?mode=ro", uri=True)
    n_app = db.execute("SELECT max(id) FROM applicants").fetchone()[0] or 0
    people = benchlib.People(rng)
    visits = []
    for _ in range(count):
        returning = n_app and rng.random() < 0.3
        app = None
        if returning:
            row = db.execute("SELECT kind, name, id_number, legal_rep, phone, address FROM applicants "
                             "WHERE id = ?", (rng.randint(1, n_app),)).fetchone()
            if row:
                kind, name, number, rep, phone, address = row
                app = {"kind": kind, "name": name, "phone": people.phone(), "address": address}
                if kind == "person":
                    app["id_number"] = number
                else:
                    app.update(credit_code=number, legal_rep=rep)
        if app is None:
            while True:
                app = people.person() if rng.random() < 0.6 else people.enterprise()
                number = app.get("id_number") or app["credit_code"]
                if not db.execute("SELECT 1 FROM applicants WHERE id_number = ?", (number,)).fetchone():
                    break
        matter = rng.choice([m for m in catalog.matters if app["kind"] in m.applicant_kinds])
        received = [x.code for x in matter.materials if x.required or rng.random() < 0.5]
        visits.append({"applicant": app, "matter": matter.code, "received": received})
    db.close()
    return visits


# ---- the floor -----------------------------------------------------------------------------

def floor_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


class Floor:
    """The same rows as one acceptance, written with bare sqlite3 calls."""

    def __init__(self, ws, conn: sqlite3.Connection):
        from forms import DOCUMENTS_BY_OUTCOME
        from workstation.services import calendar as calendar_service
        from workstation.services.catalog import current_catalog
        from workstation.domain.numbering import offline_block

        self.conn = conn
        self.settings = ws.settings()
        self.catalog_id, self.catalog = current_catalog(ws)
        with ws.reading() as s:
            self.calendar = calendar_service.load(s)
        self.kinds = DOCUMENTS_BY_OUTCOME["accepted"]
        self.acts = {k: self.settings.act(k) for k in self.kinds}
        self.offline = offline_block(self.settings.terminal)
        self.clock = ws.clock
        self.commit_seconds: list[float] = []
        self.statements = 0

    def prepare(self, visit: dict) -> dict:
        """Everything that does not depend on the database: done before the clock starts."""
        from workstation.domain.applicants import parse_applicant
        from workstation.domain.workdays import add_working_days
        from workstation.services.search_index import bigrams

        today = self.clock.today()
        app = parse_applicant(visit["applicant"], today)
        matter = self.catalog.matter(visit["matter"])
        return {"app": app, "matter": matter, "received": set(visit["received"]),
                "due": add_working_days(self.calendar, today, matter.promised_days),
                "statutory": add_working_days(self.calendar, today, matter.statutory_days),
                "grams": " ".join(bigrams(app.name))}

    def accept(self, prepared: dict, clerk_login: str) -> str:
        """The timed part: the SQL, plus the hashes and JSON of the rows that depend on it."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        receipt = self.write(prepared, clerk_login, conn.execute, conn.executemany)
        t = time.perf_counter()
        conn.execute("COMMIT")
        self.commit_seconds.append(time.perf_counter() - t)
        return receipt

    def accept_sqlalchemy(self, ws, prepared: dict, clerk_login: str) -> str:
        """The same statements through the application's own engine and session
        (``ws.transaction()``: BEGIN IMMEDIATE, COMMIT) with ``exec_driver_sql``: what the
        service would cost without the ORM unit of work, for the report."""
        with ws.transaction() as s:
            c = s.connection()
            return self.write(prepared, clerk_login, c.exec_driver_sql, c.exec_driver_sql)

    def write(self, prepared: dict, clerk_login: str, x, xmany) -> str:
        st = self.settings
        app, matter, received = prepared["app"], prepared["matter"], prepared["received"]
        due, statutory = prepared["due"], prepared["statutory"]
        today, now = self.clock.today(), self.clock.now()
        now_s, today_s = benchlib.sa_datetime(now), today.isoformat()
        n = 0
        row = x("SELECT id, ineligible_reason FROM applicants WHERE id_type = ? AND id_number = ?",
                (app.id_type, app.id_number)).fetchone()
        n += 2
        if row is None:
            app_id = x("INSERT INTO applicants(kind, name, id_type, id_number, legal_rep, phone, address, "
                       "ineligible_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,NULL,?,?)",
                       (app.kind, app.name, app.id_type, app.id_number, app.legal_rep, app.phone,
                        app.address, now_s, now_s)).lastrowid
            x("INSERT INTO applicant_grams(rowid, grams) VALUES (?, ?)", (app_id, prepared["grams"]))
            n += 2
        else:
            app_id = row[0]
            x("UPDATE applicants SET phone = ?, address = ?, updated_at = ? WHERE id = ?",
              (app.phone, app.address, now_s, app_id))
            n += 1
        scope = f"receipt:{st.region}:{st.terminal}:{today:%Y%m%d}"
        seq = x("INSERT INTO counters(scope, value) VALUES (?, 1) ON CONFLICT(scope) DO UPDATE "
                "SET value = value + 1 RETURNING value", (scope,)).fetchone()[0]
        receipt = st.receipt_pattern.format(region=st.region, date=today, terminal=st.terminal, seq=seq)
        acc_id, case_id = uuid.uuid4().hex, uuid.uuid4().hex
        x("INSERT INTO acceptances(id, receipt_no, outcome, applicant_id, agent, bundle_code, bundle_name, "
          "station, terminal, clerk, received_on, created_at, notice) "
          "VALUES (?, ?, 'accepted', ?, 'null', NULL, NULL, ?, ?, ?, ?, ?, 'null')",
          (acc_id, receipt, app_id, st.station, st.terminal, clerk_login, today_s, now_s))
        x("INSERT INTO cases(id, acceptance_id, seq, applicant_id, catalog_version_id, matter_code, "
          "matter_name, category, matter_kind, status, station, accepted_on, statutory_days, promised_days, "
          "extension_days, due_date, statutory_due_date, provisional, decided_on, updated_at) "
          "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, 0, ?, ?, ?, NULL, ?)",
          (case_id, acc_id, app_id, self.catalog_id, matter.code, matter.name, matter.category.value,
           matter.kind.value, st.station, today_s, matter.statutory_days, matter.promised_days,
           due.day.isoformat(), statutory.day.isoformat(), int(due.provisional or statutory.provisional),
           now_s))
        lines = [(case_id, m.code, m.name, m.form.value, m.copies, int(m.required),
                  "received" if m.code in received else "absent", None, "") for m in matter.materials]
        xmany("INSERT INTO case_materials(case_id, code, name, form, copies, required, state, "
                         "promise_date, note) VALUES (?,?,?,?,?,?,?,?,?)", lines)
        n += 4 + len(lines)
        numbers = []
        for kind in self.kinds:
            act = self.acts[kind]
            block = x("SELECT id, next FROM number_blocks WHERE authority = ? AND act = ? AND year = ? "
                      "AND next <= last ORDER BY source = 'offline', first LIMIT 1",
                      (st.authority_short, act, today.year)).fetchone()
            if block is None:
                first, last = self.offline
                block = (x("INSERT INTO number_blocks(authority, act, year, first, last, next, source) "
                           "VALUES (?, ?, ?, ?, ?, ?, 'offline')",
                           (st.authority_short, act, today.year, first, last, first)).lastrowid, first)
            x("UPDATE number_blocks SET next = ? WHERE id = ?", (block[1] + 1, block[0]))
            number = st.docno_pattern.format(short=st.authority_short, act=act, year=today.year,
                                             seq=block[1])
            x("INSERT INTO documents(acceptance_id, case_id, kind, number, issued_on, path) "
              "VALUES (?, NULL, ?, ?, ?, NULL)", (acc_id, kind, number, today_s))
            numbers.append({"kind": kind, "number": number})
            n += 3
        head = x("SELECT value FROM settings WHERE key = 'audit_head'").fetchone()[0]
        last_seq, prev = head.split(":")
        aseq = int(last_seq) + 1
        detail = json.dumps({"applicant": app.id_number, "matters": [matter.code], "cases": [case_id],
                             "documents": [d["number"] for d in numbers], "approve_now": False},
                            ensure_ascii=False, sort_keys=True, default=str)
        canonical = json.dumps([aseq, now.isoformat(), clerk_login, st.terminal, "acceptance.accepted",
                                receipt, detail, prev], ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        x("INSERT INTO audit_log(seq, at, user_login, terminal, action, target, detail, prev_hash, hash) "
          "VALUES (?, ?, ?, ?, 'acceptance.accepted', ?, ?, ?, ?)",
          (aseq, now_s, clerk_login, st.terminal, receipt, detail, prev, digest))
        x("UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"{aseq}:{digest}",))
        oseq = (x("SELECT max(seq) FROM outbox").fetchone()[0] or 0) + 1
        body = json.dumps({"acceptance_id": acc_id, "receipt_no": receipt, "outcome": "accepted",
                           "station": st.station, "terminal": st.terminal, "clerk": clerk_login,
                           "received_on": today_s, "applicant": app.to_json(), "cases": [case_id],
                           "documents": numbers, "materials": [line[1:7] for line in lines]},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        x("INSERT INTO outbox(id, seq, kind, payload, content_hash, user_login, terminal, created_at, "
          "acked_at) VALUES (?, ?, 'acceptance.accepted', ?, ?, ?, ?, ?, NULL)",
          (str(uuid.uuid4()), oseq, body,
           hashlib.sha256(f"acceptance.accepted\n{body}".encode()).hexdigest(), clerk_login,
           st.terminal, now_s))
        n += 5
        self.statements = n + 2
        return receipt


# ---- measuring -----------------------------------------------------------------------------

def _intake(visit):
    from workstation.services.acceptance import Intake

    return Intake([visit["matter"]], dict(visit["applicant"]), list(visit["received"]))


class SqlTimer:
    """Time spent inside the DB-API's execute, from SQLAlchemy's cursor events."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.seconds = 0.0
        self.statements = 0
        self._t = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._engine = engine

    def _before(self, *a):
        self._t = time.perf_counter()

    def _after(self, *a):
        self.seconds += time.perf_counter() - self._t
        self.statements += 1

    def remove(self):
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


def classify(filename: str) -> str:
    f = filename.replace("\\", "/")
    for key, label in (("/sqlalchemy/", "SQLAlchemy"), ("/workstation/", "workstation"),
                       ("/sync/", "sync (outbox)"), ("/forms/", "workstation"),
                       ("chinese_calendar", "chinese_calendar"), ("/alembic/", "alembic"),
                       ("/json/", "json"), ("uuid", "uuid"), ("/enum.py", "enum"),
                       ("dataclasses", "dataclasses"), ("/re/", "re"), ("typing", "typing")):
        if key in f:
            return label
    return "other Python"


def profile_accepts(ws, clerk, visits, out_dir: Path) -> dict:
    from workstation.services.acceptance import accept

    timer = SqlTimer(ws.db.engine)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for v in visits:
        accept(ws, clerk, _intake(v))
    prof.disable()
    wall = (time.perf_counter() - t0) / len(visits)
    timer.remove()
    prof.dump_stats(str(out_dir / "accept.prof"))
    st = pstats.Stats(prof)
    groups: dict[str, float] = {}
    sqlite_exec = 0.0
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in st.stats.items():
        if filename == "~" and ("sqlite3.Cursor" in name or "sqlite3.Connection" in name):
            sqlite_exec += tt
            groups["sqlite3 C calls (SQL, commit)"] = groups.get("sqlite3 C calls (SQL, commit)", 0) + tt
        elif filename == "~":
            groups["C builtins (hashlib, json, …)"] = groups.get("C builtins (hashlib, json, …)", 0) + tt
        else:
            g = classify(filename)
            groups[g] = groups.get(g, 0) + tt
    total_tt = sum(groups.values())
    # Cumulative time of the application's own steps.
    wanted = {
        ("acceptance.py", "__init__"): "_Session: settings + catalog + calendar",
        ("calendar.py", "load"): "  calendar_service.load",
        ("settings.py", "load"): "  Settings.load",
        ("catalog.py", "current"): "  catalog.current",
        ("workdays.py", "add_working_days"): "add_working_days (due dates)",
        ("workdays.py", "package_schedule"): "  package_schedule (chinese_calendar scan)",
        ("applicants.py", "find_or_create"): "find_or_create (applicant)",
        ("acceptance.py", "_known_ineligibility"): "_known_ineligibility",
        ("search_index.py", "index_name"): "index_name (FTS)",
        ("numbers.py", "next_receipt_no"): "next_receipt_no",
        ("numbers.py", "next_document_no"): "next_document_no",
        ("audit.py", "record"): "audit.record",
        ("outbox.py", "append"): "outbox.append",
        ("session.py", "flush"): "Session.flush (ORM unit of work, incl. autoflush)",
        ("session.py", "_autoflush"): "  of which autoflush before a query",
        ("session.py", "commit"): "Session.commit (final flush + COMMIT)",
        ("context.py", "orm_setup_cursor_result"): "ORM SELECT result processing",
        ("acceptance.py", "_write"): "_write (everything after the checks)",
        ("acceptance.py", "accept"): "accept (total)",
    }
    steps = {}
    for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in st.stats.items():
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        label = wanted.get((base, name))
        if label and ("/workstation/" in filename or "/sync/" in filename or "sqlalchemy" in filename):
            # Several functions share a name (Session.commit, SessionTransaction.commit):
            # keep the outermost one, i.e. the largest cumulative time, never a sum.
            if ct > steps.get(label, (0, -1.0))[1]:
                steps[label] = (nc, ct)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(35)
    (out_dir / "accept_profile.txt").write_text(buf.getvalue(), encoding="utf-8")
    n = len(visits)
    return {
        "n": n, "wall_ms_per_accept_under_profiler": wall * 1000,
        "sql_ms_per_accept": timer.seconds / n * 1000, "sql_statements_per_accept": timer.statements / n,
        "groups_ms_per_accept": {k: v / n * 1000 for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "profiled_ms_per_accept": total_tt / n * 1000,
        "steps_ms_per_accept": {label: (calls / n, secs / n * 1000)
                                for label, (calls, secs) in sorted(steps.items(), key=lambda kv: -kv[1][1])},
        "profile_file": str(out_dir / "accept.prof"), "profile_text": str(out_dir / "accept_profile.txt"),
    }


def run(cases: int, n: int, profile: bool | None) -> dict:
    from workstation.config import Clock
    from workstation.services import Workstation
    from workstation.services.acceptance import accept
    from workstation.services.audit import verify
    from workstation.services.auth import login

    data = benchlib.ensure_data_dir(cases)
    benchlib.warm_file_cache(data)
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    ws = Workstation(data, Clock(TODAY)).open()
    clerk = login(ws, "clerk", PASSWORD)
    total = 3 * (n + WARMUP) + (100 if profile is not False else 0)
    visits = make_intakes(ws, total)
    conn = floor_connection(ws.db.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    floor = Floor(ws, conn)
    real_ms, floor_ms, core_ms = [], [], []
    vi = iter(visits)
    print(f"受理：每种各 {n} 次（另各预热 {WARMUP} 次），真实受理、裸 sqlite3、经会话的同样语句三者轮流 …",
          flush=True)
    t_all = time.perf_counter()
    for i in range(n + WARMUP):
        order = ("real", "floor", "core") if i % 2 == 0 else ("core", "floor", "real")
        for which in order:
            v = next(vi)
            if which == "real":
                intake = _intake(v)
                t = time.perf_counter()
                accept(ws, clerk, intake)
                dt = time.perf_counter() - t
                if i >= WARMUP:
                    real_ms.append(dt * 1000)
            elif which == "floor":
                prepared = floor.prepare(v)
                t = time.perf_counter()
                floor.accept(prepared, clerk.login)
                dt = time.perf_counter() - t
                if i >= WARMUP:
                    floor_ms.append(dt * 1000)
            else:
                prepared = floor.prepare(v)
                t = time.perf_counter()
                floor.accept_sqlalchemy(ws, prepared, clerk.login)
                dt = time.perf_counter() - t
                if i >= WARMUP:
                    core_ms.append(dt * 1000)
    measure_s = time.perf_counter() - t_all
    with ws.reading() as s:
        chain = verify(s)
    assert chain.ok, f"audit chain broken by the floor: {chain.problem}"
    commit_ms = median(floor.commit_seconds[WARMUP:]) * 1000
    r_med, f_med = median(real_ms), median(floor_ms)
    ratio = r_med / f_med
    result = {
        "target": "accept ≤ 2× bare insert-and-commit", "cases": cases,
        "db_cases_now": None, "n": n, "build_seconds": meta.get("build_seconds"),
        "real_ms": {"p50": r_med, "p95": pct(real_ms, 95), "mean": sum(real_ms) / len(real_ms),
                    "min": min(real_ms), "max": max(real_ms), "over_10ms": sum(t > 10 for t in real_ms)},
        "floor_ms": {"p50": f_med, "p95": pct(floor_ms, 95), "mean": sum(floor_ms) / len(floor_ms),
                     "min": min(floor_ms), "max": max(floor_ms), "over_10ms": sum(t > 10 for t in floor_ms)},
        "floor_commit_ms_p50": commit_ms, "floor_statements": floor.statements,
        "sqlalchemy_sql_ms": {"p50": median(core_ms), "p95": pct(core_ms, 95)},
        "sqlalchemy_sql_ratio_p50": median(core_ms) / f_med,
        "ratio_p50": ratio, "ratio_p95": pct(real_ms, 95) / pct(floor_ms, 95),
        "pass": ratio <= TARGET_RATIO, "measure_seconds": measure_s,
    }
    with ws.reading() as s:
        from sqlalchemy import func, select
        from workstation.store.models import Case

        result["db_cases_now"] = s.scalar(select(func.count()).select_from(Case))
    print()
    print(f"  库中案件数                {result['db_cases_now']:>12,}")
    for label, key in (("accept()", "real_ms"), ("裸 sqlite3 同样的行+提交", "floor_ms")):
        r = result[key]
        print(f"  {label:<24} p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  均值 {r['mean']:6.2f} ms  "
              f"max {r['max']:6.1f} ms  >10 ms {r['over_10ms']} 次")
    print(f"  （裸 sqlite3：{floor.statements} 条语句，其中 COMMIT p50 {commit_ms:.2f} ms；"
          ">10 ms 的多为 WAL 自动检查点）")
    print(f"  （参考）同样的语句经应用的引擎与会话（ws.transaction + exec_driver_sql，无 ORM）"
          f"p50 {median(core_ms):.2f} ms  p95 {pct(core_ms, 95):.2f} ms  = 裸 sqlite3 的 "
          f"{result['sqlalchemy_sql_ratio_p50']:.2f}×")
    print(f"  比值（p50）               {ratio:8.2f}×   （p95 比值 {result['ratio_p95']:.2f}×）"
          f"  目标 ≤ {TARGET_RATIO:g}×  "
          f"→ {'PASS' if result['pass'] else 'FAIL'}")
    if profile or (profile is None and not result["pass"]):
        print("\n  剖析：再受理 100 件于 cProfile 下 …", flush=True)
        prof = profile_accepts(ws, clerk, list(vi)[:100], benchlib.OUT)
        result["profile"] = prof
        print(f"  cProfile 下每件 {prof['wall_ms_per_accept_under_profiler']:.2f} ms；经 SQLAlchemy 执行的语句 "
              f"{prof['sql_statements_per_accept']:.1f} 条/件、{prof['sql_ms_per_accept']:.2f} ms"
              f"（其余语句经驱动游标直接执行，计入下面的 sqlite3 C 调用）")
        print("  按模块的自身时间（ms/件，cProfile 计）：")
        for k, v in prof["groups_ms_per_accept"].items():
            if v >= 0.05:
                print(f"    {k:<34} {v:7.2f}")
        print("  应用步骤的累计时间（调用次数/件，ms/件）：")
        for label, (calls, ms) in prof["steps_ms_per_accept"].items():
            print(f"    {label:<44} {calls:5.1f}  {ms:7.2f}")
        print(f"  完整剖析：{prof['profile_text']}（pstats：{prof['profile_file']}）")
    conn.close()
    ws.close()
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=benchlib.DEFAULT_CASES)
    p.add_argument("--n", type=int, default=200)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--profile", action="store_true", default=None)
    g.add_argument("--no-profile", dest="profile", action="store_false")
    args = p.parse_args(argv)
    print(f"== bench_accept — {benchlib.machine()}")
    result = run(args.cases, args.n, args.profile)
    benchlib.save_result("accept", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
