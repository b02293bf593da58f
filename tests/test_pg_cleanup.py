"""The private PostgreSQL server of tests/pg.py does not outlive a killed test run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The fixture machinery's own server class, in a process of its own that then waits.
START = """
import sys, time
from tests.pg import _PgServer
server = _PgServer()
print(server.base, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"                  # a zombie no one reaped has stopped all the same


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_test_process_leaves_no_postgresql_server_behind(how):
    proc = subprocess.Popen([sys.executable, "-c", START], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        base = Path(proc.stdout.readline().strip())
        assert base.name.startswith("ws-pg-"), base
        postmaster = int((base / "data" / "postmaster.pid").read_text().split()[0])
        assert _running(postmaster)
    finally:
        proc.send_signal(how)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while (_running(postmaster) or base.exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(postmaster), "PostgreSQL 仍在运行"
    assert not base.exists(), "服务器的临时目录没有删除"
