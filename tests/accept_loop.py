"""Accept applications through the services, one transaction each, and print one JSON
line per committed acceptance (flushed at once), for the crash and concurrency tests.

    python -m tests.accept_loop DATA_DIR --password PW [--count N] [--go FILE] [--seed S]

(run as a module from the project root: as a script, tests/ would come first on
sys.path and its modules could shadow the standard library's).

--count 0 (the default) loops until killed. With --go the process prints "ready"
after logging in and waits until FILE exists, so several processes start together.
Works on the small test catalog (tests/data/catalog_small.json).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

from workstation.config import Clock
from workstation.domain.identity import make_credit_code, make_id_number
from workstation.services import Workstation
from workstation.services.acceptance import Intake, accept, notify
from workstation.services.auth import login

TODAY = date(2026, 9, 30)


def applicants(rng: random.Random, n: int):
    person = {"kind": "person", "name": "张伟", "phone": "13800138000",
              "id_number": make_id_number("610102", date(1980 + n % 30, 1 + n % 12, 1 + n % 28),
                                          n % 1000)}
    # The name follows the code: a code drawn twice is the same enterprise coming back
    # (another name under the same code is a change the clerk must confirm).
    code = rng.randrange(10**6)
    enterprise = {"kind": "enterprise", "name": f"西安测试{code}商贸有限公司", "legal_rep": "李娜",
                  "phone": "029-87654321", "credit_code": make_credit_code("610102", f"MA6{code:06d}")}
    return person, enterprise


def one(ws, clerk, rng: random.Random, n: int):
    person, enterprise = applicants(rng, n)
    kind = n % 4
    if kind == 0:
        return accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    if kind == 1:                       # a bundle: one acceptance, two cases
        return accept(ws, clerk, Intake(["B-CY"], enterprise, ["M01", "M02", "M03", "M04", "M05"]))
    if kind == 2:
        return accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    return notify(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02"]))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--login", default="clerk")
    p.add_argument("--password", required=True)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--go")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = random.Random(args.seed)
    ws = Workstation(args.data_dir, Clock(TODAY)).open()
    clerk = login(ws, args.login, args.password)
    if args.go:
        print("ready", flush=True)
        while not Path(args.go).exists():
            time.sleep(0.01)
    n = 0
    while not args.count or n < args.count:
        result = one(ws, clerk, rng, n + args.seed * 100_000)
        print(json.dumps({"receipt_no": result.receipt_no, "cases": len(result.cases),
                          "documents": [d["number"] for d in result.documents]},
                         ensure_ascii=False), flush=True)
        n += 1
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
