"""The layers of DESIGN.md as checks that fail on a new arrow.

* The import contracts in pyproject.toml ([tool.importlinter]) hold: the terminal's
  ui and cli over services over the store and the pure rules; forms and printing
  import nothing of workstation; the centre never imports the terminal.
* The two programs install apart: the centre imports with every package of the
  terminal's extra made unimportable, and the terminal with every package of the
  centre's extra made unimportable. The blocked names are read from pyproject.toml,
  so a dependency moved to the wrong extra fails here.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.import_probe import probe

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _top_level_modules(extra: str) -> set[str]:
    """The importable top-level names of the distributions an extra lists."""
    by_dist: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            by_dist.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    names = set()
    for requirement in PYPROJECT["project"]["optional-dependencies"][extra]:
        dist = requirement.split(";")[0].split("[")[0]
        for sep in "<>=!~ ":
            dist = dist.split(sep)[0]
        modules = by_dist.get(dist.lower().replace("_", "-"))
        assert modules, f"{dist} of the {extra} extra is not installed here"
        names |= {m for m in modules if not m.startswith("_")}
    return names


def test_the_import_contracts_hold():
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"Contracts: (\d+) kept, 0 broken", proc.stdout), proc.stdout[-2000:]


def test_the_extras_do_not_overlap():
    terminal, central = _top_level_modules("terminal"), _top_level_modules("central")
    assert "PyQt6" in terminal and "fastapi" in central
    assert not terminal & central


def test_the_centre_runs_without_the_terminal_s_packages(tmp_path):
    blocked = _top_level_modules("terminal")
    assert {"PyQt6", "keyring", "httpx"} <= blocked
    # Import every module of the centre, start its application on SQLite and verify a
    # document's QR text through it: forms' verification runs without Qt or keyring.
    out = probe(blocked, ["sync.central!migrations", "sync.protocol", "workstation.domain",
                           "workstation.shared"], then=f"""
import asyncio
from sync.central.app import create_app
app = create_app({'sqlite:///' + str(tmp_path / 'c.sqlite3')!r})

async def get(path, query=b""):
    # A bare ASGI call: FastAPI's TestClient needs httpx, which is the terminal's.
    sent = []
    async def receive():
        return {{"type": "http.request", "body": b"", "more_body": False}}
    async def send(message):
        sent.append(message)
    await app({{"type": "http", "asgi": {{"version": "3.0"}}, "http_version": "1.1", "method": "GET",
               "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
               "headers": [], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}},
              receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

status, body = asyncio.run(get("/api/v1/time"))
assert status == 200 and b"server_time" in body, body
status, body = asyncio.run(get("/api/v1/verify", "qr=not-a-code-of-ours".encode()))
assert status == 400 and "not_ours" in body.decode(), body
import sys
assert "forms.stamp" in sys.modules      # the answer came from forms' verifier
""")
    assert "sync.central.app" in out["imported"] and "sync.central.handlers" in out["imported"]
    assert out["loaded"] == []


def test_the_terminal_runs_without_the_centre_s_packages():
    blocked = _top_level_modules("central")
    assert {"fastapi", "uvicorn", "psycopg"} <= blocked
    out = probe(blocked, ["workstation!migrations,__main__", "forms", "printing", "sync.protocol"])
    assert {"workstation.ui.main_window", "workstation.services.sync.client",
            "printing.render"} <= set(out["imported"])
    assert out["loaded"] == []
