"""The core (rules, store, use cases, command line, forms, outbox) runs without Qt:
importing all of it in a fresh interpreter must not load PyQt6."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import importlib, json, pkgutil, sys

def walk(package_name, skip=()):
    package = importlib.import_module(package_name)
    names = [package_name]
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if any(part in skip for part in info.name.split(".")):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    return names

imported = []
imported += walk("workstation.domain")
# Alembic's env.py runs migrations when imported; it is loaded by Alembic, not by us.
imported += walk("workstation.store", skip=("migrations",))
imported += walk("workstation.services")
# The sync client and the whole central server (a server has no Qt).
imported += walk("sync", skip=("migrations",))
# Every command group of the command line (its __main__ would run it).
imported += walk("workstation.cli", skip=("__main__",))
# Printing lays out pages without Qt; only printing.render paints them.
for name in ("workstation", "workstation.config", "forms", "printing.layout", "printing.items",
             "printing.xlsx", "printing.codes"):
    importlib.import_module(name)
    imported.append(name)
from workstation.cli import build_parser
build_parser().format_help()
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PyQt6", "PyQt5", "PySide6", "sip"))
print(json.dumps({"imported": imported, "qt": qt}))
"""


def test_core_imports_without_qt():
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["qt"] == [], f"Qt was loaded by the core: {out['qt']}"
    imported = set(out["imported"])
    for name in ("workstation.domain.identity", "workstation.domain.workdays",
                 "workstation.domain.intake", "workstation.store.db", "workstation.store.models",
                 "workstation.services.acceptance", "workstation.services.demo",
                 "workstation.services.cases", "workstation.services.calendar",
                 "workstation.cli", "forms", "workstation.services.sync.outbox"):
        assert name in imported
    assert "PyQt6" not in out["qt"]
