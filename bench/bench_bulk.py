"""Issue 3's bulk target: sealing N decisions in one job ≤ 1.2× N single-document
runs, while the window's event loop never stalls more than 100 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_bulk.py [--n 1000]

The floor decides N cases one by one (`approval.decide`). The measured run puts
N other cases into one job and runs it the way the window does: on the database
database worker (ui.tasks.TaskManager), while a 10 ms QTimer on the GUI thread records
the longest gap between its ticks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKSTATION_SEAL_SECRET", "bench-seal-secret")

from workstation.config import Clock  # noqa: E402
from workstation.services import Workstation  # noqa: E402
from workstation.services.acceptance import Intake, accept  # noqa: E402
from workstation.services.approval import create_job, decide, run_job  # noqa: E402
from workstation.services.auth import add_user, login  # noqa: E402
from workstation.services.catalog import current_catalog  # noqa: E402
from workstation.services.seals import SealVault, create_seal  # noqa: E402
from workstation.services.setup import init  # noqa: E402

MAX_RATIO, MAX_STALL_MS = 1.2, 100
PERSON = {"kind": "person", "name": "张伟", "id_number": "11010519491231002X", "phone": "13800138000",
          "address": "西安市新城区解放路1号"}


def setup(n: int):
    ws = Workstation(tempfile.mkdtemp(prefix="bench-bulk-"), Clock(date(2026, 9, 30))).open()
    init(ws, {"region": "610102", "terminal": "001", "authority": "西安市新城区行政审批服务局",
              "authority_short": "新城审"})
    admin = add_user(ws, None, "admin", "管理员", "admin", "bench1234")
    add_user(ws, admin, "clerk", "王敏", "clerk", "bench1234")
    _, catalog = current_catalog(ws)
    matter = next(m for m in catalog.matters if m.category.value == "社会民生" and "person" in m.applicant_kinds
                  and m.kind.value == "承诺件")
    create_seal(ws, admin, name="西安市新城区行政审批服务局社会民生专用章", category="社会民生",
                algorithm="ecdsa-p256")
    add_user(ws, admin, "min", "民审", "approver", "bench1234", categories=("社会民生",))
    clerk = login(ws, "clerk", "bench1234")
    received = [m.code for m in matter.materials if m.required]
    ids = [accept(ws, clerk, Intake([matter.code], PERSON, received)).cases[0]["id"] for _ in range(2 * n)]
    return ws, login(ws, "min", "bench1234"), ids[:n], ids[n:]


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--freeze", action="store_true", help="gc.freeze() after set-up, as the window does")
    args = p.parse_args(argv)
    print(f"== bench_bulk — {args.n} decisions each way; building {2 * args.n} accepted cases …", flush=True)
    ws, approver, singles, bulk = setup(args.n)
    if args.freeze:
        import gc

        gc.collect()
        gc.freeze()   # what the window does once the clerk is logged in

    vault = SealVault()
    t = time.perf_counter()
    for case_id in singles:
        decide(ws, approver, case_id, "approve", vault)
    floor = time.perf_counter() - t

    from PyQt6.QtCore import QElapsedTimer, QTimer
    from PyQt6.QtWidgets import QApplication

    from workstation.ui.tasks import TaskManager

    app = QApplication.instance() or QApplication([])
    runner = TaskManager()
    clock, gaps, last = QElapsedTimer(), [], [0]
    timer = QTimer(interval=10)

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer.timeout.connect(tick)
    result = {}
    job = create_job(ws, approver, bulk, "approve")
    t = time.perf_counter()
    clock.start()
    timer.start()
    runner.run(lambda: run_job(ws, approver, job, SealVault()), result.update,
               lambda exc: result.update(error=str(exc)))
    while not result:
        app.processEvents()
        time.sleep(0.001)
    real = time.perf_counter() - t
    timer.stop()
    runner.wait()
    stall = max(gaps) if gaps else 0
    worst = sorted(((g, i) for i, g in enumerate(gaps)), reverse=True)[:5]
    print(f"  worst gaps (ms, tick#): {worst} of {len(gaps)} ticks")
    ratio = real / floor
    ok = ratio <= MAX_RATIO and stall <= MAX_STALL_MS and result.get("done") == args.n
    print(f"  single decisions: {floor:7.2f} s ({floor / args.n * 1000:.1f} ms each)")
    print(f"  one bulk job:     {real:7.2f} s ({real / args.n * 1000:.1f} ms each), done {result.get('done')}, "
          f"failed {len(result.get('failed', []))}")
    print(f"  ratio {ratio:.2f}× (target ≤ {MAX_RATIO}×); longest event-loop stall {stall} ms "
          f"(target ≤ {MAX_STALL_MS} ms) → {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
