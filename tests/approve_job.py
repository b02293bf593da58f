"""Run (or resume) a bulk approval job in its own process, for the kill test:
    python -m tests.approve_job DATA_DIR JOB_ID
Prints one line per decided case."""

import sys
from datetime import date

from workstation.config import Clock
from workstation.services import Workstation
from workstation.services.approval import run_job
from workstation.services.auth import login
from workstation.services.seals import SealVault

ws = Workstation(sys.argv[1], Clock(date(2026, 9, 30))).open()
actor = login(ws, "min", "secret123")
run_job(ws, actor, sys.argv[2], SealVault(), progress=lambda done, total: print(done, total, flush=True))
