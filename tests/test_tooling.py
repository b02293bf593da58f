"""The gates that keep the code as DEVELOPING.md describes it: ruff clean, mypy clean
on the checked packages (pyproject.toml's [tool.mypy] files), and no source file
over 600 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAX_LINES = 600
SOURCE_DIRS = ("workstation", "forms", "printing", "sync", "bench", "resources")


def _run(*argv: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_ruff_is_clean():
    proc = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_mypy_is_clean(tmp_path):
    # A cache of its own: several test workers may run this at once.
    proc = _run(str(BIN / "mypy"), "--cache-dir", str(tmp_path / "mypy"))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_no_source_file_is_over_600_lines():
    long = {}
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts or ".venv" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                long[str(path.relative_to(ROOT))] = lines
    assert not long, f"files of more than one job (over {MAX_LINES} lines): {long}"
