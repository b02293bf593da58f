"""Issue 15's sync targets, against the real central server on PostgreSQL.

    .venv/bin/python bench/bench_sync.py [--events 10000] [--repeat 3] [--matters 20000]
                                         [--terminals 50] [--per-terminal 200]
                                         [--fast] [--skip-pull] [--skip-many]

1. Push, one stream: 10,000 events of a real day (acceptances, each creating its
   acceptance, case and document rows, and the case transitions that follow: review,
   suspend/resume, extend, approve/deny with their sealed documents, delivery) go over
   loopback to ``python -m sync.central.cli serve`` in the protocol's batches (500 per
   POST, like workstation/services/sync/client.py), one after another. Floor, in the
   same run on the same PostgreSQL server: the rows the centre ends up writing for
   those events (events, acceptances, cases, documents, changes and the change
   counter), built from the same payloads before the clock starts, written with psycopg
   COPY in the same batches, one transaction per batch (cases a batch changes go
   through COPY into a temporary table and one UPDATE … FROM). Each side gets a fresh
   database (copied from a migrated template) each time; the sides take turns and the
   median of the repeats counts. Criterion: push events/s ≥ 30 % of the floor's
   events/s (the median of the rounds' ratios: the two sides of a round run back to
   back under the same machine load).
2. Push, many terminals (sync_many.py): 50 terminals push a day's 200 events each at
   the same moment, one POST each. Floor: the COPY of all 10,000 events' rows, one
   terminal's batch after another. Criterion, with ``serve --workers 1``: the
   aggregate events/s ≥ 30 % of the floor's, and no terminal waits more than 3 s for
   its answer (the max and the 95th percentile are printed). The same figures with
   ``--workers 2`` are printed beside them.
3. Pull: a 20,000-matter catalog is published at the centre (``workstation-central
   catalog publish``), a terminal pulls the change feed (pages of 500, like the client);
   then one matter changes, the catalog is published again and the terminal pulls
   again. Criterion: the second pull is incremental (1–2 changes, not 20,000).

The PostgreSQL server is private (tests/pg.py's, see sync_pg.py). It runs with
PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on)
unless ``--fast`` gives it the test suite's settings (all three off); both sides always
share the same server and settings.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchlib  # noqa: E402
from sync_day import decision_seal, make_days as sealed_days  # noqa: E402
from sync_pg import PgServer, migrated_template  # noqa: E402
from sync_many import MAX_WAIT, make_days, many_floor, many_real, p95, same_rows  # noqa: E402
from sync_pull import bench_pull  # noqa: E402
from sync_push import BATCH, floor_batches, push_floor, push_real  # noqa: E402

MIN_RATIO = 0.3


# --------------------------------------------------------------------------- many terminals

def bench_many(pg, template: str, args, work: Path, seal) -> dict:
    days = make_days(args.terminals, args.per_terminal, seal)
    total = sum(len(d.events) for d in days)
    print(f"  多终端：{args.terminals} 个终端同时推送，各 {args.per_terminal} 个事件（每终端一次 POST），"
          f"共 {total:,} 个；服务器 1 个与 2 个工作进程，与裸 COPY 轮流", flush=True)
    times: dict[str, list[float]] = {"w1": [], "w2": [], "floor": []}
    info: dict[str, dict] = {}
    waits: dict[str, list[float]] = {"w1": [], "w2": []}
    sides = ("w1", "w2", "floor")
    for i in range(args.repeat):
        for side in sides[i % 3:] + sides[:i % 3]:
            if side == "floor":
                s, info[side] = many_floor(pg, template, days, str(i), seal)
            else:
                s, info[side] = many_real(pg, template, days, int(side[1]), f"{side}_{i}", work, seal)
                waits[side] += info[side]["waits"]
            times[side].append(s)
            label = {"w1": "1 个工作进程", "w2": "2 个工作进程", "floor": "裸 COPY    "}[side]
            extra = (f"，等待最长 {max(info[side]['waits']):.2f} s" if side != "floor" else "")
            print(f"  第{i + 1}轮 {label}：{s:6.2f} s，{total / s:8,.0f} 事件/s{extra}", flush=True)
    out: dict = {"terminals": args.terminals, "per_terminal": args.per_terminal, "times": times}
    for side in ("w1", "w2"):
        ratio = statistics.median(f / r for r, f in zip(times[side], times["floor"]))
        applied = info[side]["statuses"].get("applied") == total
        same = same_rows(info[side]["rows"], info["floor"]["rows"])
        worst, p95_wait = max(waits[side]), p95(waits[side])
        ok = ratio >= MIN_RATIO and worst <= MAX_WAIT and applied and same
        out[side] = {"eps": total / statistics.median(times[side]), "ratio": ratio, "max_wait": worst,
                     "p95_wait": p95_wait, "statuses": info[side]["statuses"], "same_rows": same, "pass": ok}
        print(f"  --workers {side[1]}：{out[side]['eps']:8,.0f} 事件/s，比值（各轮中位数）{ratio:.0%}"
              f"（目标 ≥ {MIN_RATIO:.0%}）；等待 最长 {worst:.2f} s，p95 {p95_wait:.2f} s（目标 ≤ {MAX_WAIT:.0f} s）；"
              f"结果 {info[side]['statuses']}，行{'一致' if same else '不一致！'} → {'PASS' if ok else 'FAIL'}",
              flush=True)
    out["floor_eps"] = total / statistics.median(times["floor"])
    print(f"  裸 COPY（中位数）{out['floor_eps']:8,.0f} 事件/s", flush=True)
    # The target is the one-process server's; two processes are reported beside it.
    out["pass"] = out["w1"]["pass"]
    return out


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--matters", type=int, default=20_000)
    p.add_argument("--fast", action="store_true", help="PostgreSQL with fsync/synchronous_commit/full_page_writes off")
    p.add_argument("--skip-pull", action="store_true")
    p.add_argument("--terminals", type=int, default=50)
    p.add_argument("--per-terminal", type=int, default=200)
    p.add_argument("--skip-many", action="store_true")
    args = p.parse_args(argv)

    print(f"== bench_sync — {benchlib.machine()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ws-bench-sync-"))
    pg = PgServer(args.fast)
    try:
        print(f"  PostgreSQL {pg.version}（私有实例，127.0.0.1:{pg.port}），{pg.settings}；两侧同一服务器、同一设置",
              flush=True)
        template = migrated_template(pg)
        t = time.perf_counter()
        seal = decision_seal()
        [day] = sealed_days([(args.events, 5, "001")], seal)
        batches = floor_batches(day)
        print(f"  {len(day.events):,} 个事件（{len(batches)} 批，每批 ≤ {BATCH}），{len(day.files):,} 份文书文件"
              f"（预先上传，其中 {len(day.contents):,} 份盖章的决定书）；生成 {time.perf_counter() - t:.1f} s",
              flush=True)
        print(f"  组成：{day.mix()}", flush=True)
        real, floor, details = [], [], {}
        import copy as _copy

        for i in range(args.repeat):
            order = ("real", "floor") if i % 2 == 0 else ("floor", "real")
            for side in order:
                if side == "real":
                    s, info = push_real(pg, template, day, str(i), work, seal)
                    real.append(s)
                    details["real"] = info
                else:
                    s, info = push_floor(pg, template, [day], _copy.deepcopy(batches), str(i), seal)
                    floor.append(s)
                    details["floor"] = info
                print(f"  第{i + 1}轮 {'服务器推送' if side == 'real' else '裸 COPY  '}："
                      f"{s:6.2f} s，{len(day.events) / s:8,.0f} 事件/s", flush=True)
        rate_real = len(day.events) / statistics.median(real)
        rate_floor = len(day.events) / statistics.median(floor)
        # The two sides of a round run back to back, under the same load from whatever
        # else the machine runs: the criterion is the median of the rounds' ratios.
        ratios = [f / r for r, f in zip(real, floor)]
        ratio = statistics.median(ratios)
        print("  各轮比值（裸 COPY 用时 / 推送用时）：" + "，".join(f"{x:.0%}" for x in ratios))
        statuses = details["real"]["statuses"]
        same = details["real"]["rows"] == details["floor"]["rows"]
        ok_push = ratio >= MIN_RATIO and statuses.get("applied") == len(day.events) and same
        print(f"  中心写入的行：{details['real']['rows']}")
        print(f"  裸 COPY 写入：{details['floor']['rows']}（{'一致' if same else '不一致！'}）")
        print(f"  结果：{statuses}")
        print(f"  推送（中位数）{rate_real:8,.0f} 事件/s   裸 COPY {rate_floor:8,.0f} 事件/s   "
              f"比值（各轮中位数）{ratio:.0%}（目标 ≥ {MIN_RATIO:.0%}）→ {'PASS' if ok_push else 'FAIL'}", flush=True)
        result = {"events": len(day.events), "batch": BATCH, "pg": pg.version, "pg_settings": pg.settings,
                  "real_s": real, "floor_s": floor, "real_eps": rate_real, "floor_eps": rate_floor,
                  "ratio": ratio, "ratios": ratios, "statuses": statuses, "rows": details, "pass_push": ok_push}
        ok_many = True
        if not args.skip_many:
            result["many"] = many = bench_many(pg, template, args, work, seal)
            ok_many = many["pass"]
        ok_pull = True
        if not args.skip_pull:
            print(f"  目录：发布 {args.matters:,} 个事项，终端拉取，改一个事项后再发布、再拉取 …", flush=True)
            r = bench_pull(pg, template, args.matters, work)
            p1, p2 = r["pull_1"], r["pull_2"]
            ok_pull = 1 <= p2["changes"] <= 2 and p1["changes"] >= args.matters
            print(f"  首次发布 {r['publish_1_s']:.1f} s（新增 {r['publish_1']['added']:,}）；"
                  f"再次发布 {r['publish_2_s']:.1f} s（变更 {r['publish_2']['changed']}，"
                  f"未变 {r['publish_2']['unchanged']:,}）")
            print(f"  首次拉取：{p1['changes']:,} 条变更，{p1['bytes'] / 2 ** 20:,.1f} MiB，{p1['requests']} 次请求，"
                  f"{p1['seconds']:.1f} s")
            print(f"  再次拉取：{p2['changes']} 条变更，{p2['bytes']:,} 字节，{p2['requests']} 次请求，"
                  f"{p2['seconds'] * 1000:.0f} ms（目标：增量，1–2 条）→ {'PASS' if ok_pull else 'FAIL'}")
            result["pull"] = r
        result["pass_pull"] = ok_pull
        result["pass"] = ok_push and ok_many and ok_pull
        benchlib.save_result("sync", result)
        return 0 if result["pass"] else 1
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
