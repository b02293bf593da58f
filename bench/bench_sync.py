"""Issue 5's sync targets, against the real central server on PostgreSQL.

    .venv/bin/python bench/bench_sync.py [--events 10000] [--repeat 3] [--matters 20000]
                                         [--fast] [--skip-pull]

1. Push: 10,000 events of a real day (acceptances, each creating its acceptance, case
   and document rows, and the case transitions that follow: review, suspend/resume,
   extend, approve/deny with their sealed documents, delivery) go over loopback to
   ``python -m sync.central.cli serve`` in the protocol's batches (500 per POST, like
   workstation/services/sync/client.py), one after another. Floor, in the same run on the same PostgreSQL
   server: the rows the centre ends up writing for those events (events, acceptances,
   cases, documents, changes and the change counter), built from the same payloads
   before the clock starts, written with psycopg COPY in the same batches, one
   transaction per batch (cases a batch changes go through COPY into a temporary table
   and one UPDATE … FROM). Each side gets a fresh database (copied from a migrated
   template) each time; the sides take turns and the median of the repeats counts.
   Criterion: push events/s ≥ 50 % of the floor's events/s (the median of the rounds'
   ratios: the two sides of a round run back to back under the same machine load).
2. Pull: a 20,000-matter catalog is published at the centre (``workstation-central
   catalog publish``), a terminal pulls the change feed (pages of 500, like the client);
   then one matter changes, the catalog is published again and the terminal pulls
   again. Criterion: the second pull is incremental (1–2 changes, not 20,000).

The PostgreSQL server is private (initdb/pg_ctl in a temporary folder, as tests/pg.py
does; as root it runs as ``postgres``/``nobody`` through runuser). It runs with
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
from sync_day import Day  # noqa: E402
from sync_pg import PgServer, migrated_template  # noqa: E402
from sync_pull import bench_pull  # noqa: E402
from sync_push import BATCH, floor_batches, push_floor, push_real  # noqa: E402

MIN_RATIO = 0.5


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--matters", type=int, default=20_000)
    p.add_argument("--fast", action="store_true", help="PostgreSQL with fsync/synchronous_commit/full_page_writes off")
    p.add_argument("--skip-pull", action="store_true")
    args = p.parse_args(argv)

    print(f"== bench_sync — {benchlib.machine()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ws-bench-sync-"))
    pg = PgServer(args.fast)
    try:
        print(f"  PostgreSQL {pg.version}（私有实例，127.0.0.1:{pg.port}），{pg.settings}；两侧同一服务器、同一设置",
              flush=True)
        template = migrated_template(pg)
        t = time.perf_counter()
        day = Day(args.events)
        batches = floor_batches(day)
        print(f"  {len(day.events):,} 个事件（{len(batches)} 批，每批 ≤ {BATCH}），{len(day.files):,} 份文书文件"
              f"（预先上传）；生成 {time.perf_counter() - t:.1f} s", flush=True)
        print(f"  组成：{day.mix()}", flush=True)
        real, floor, details = [], [], {}
        import copy as _copy

        for i in range(args.repeat):
            order = ("real", "floor") if i % 2 == 0 else ("floor", "real")
            for side in order:
                if side == "real":
                    s, info = push_real(pg, template, day, str(i), work)
                    real.append(s)
                    details["real"] = info
                else:
                    s, info = push_floor(pg, template, day, _copy.deepcopy(batches), str(i))
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
        result["pass"] = ok_push and ok_pull
        benchlib.save_result("sync", result)
        return 0 if result["pass"] else 1
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
