"""Import packages in a fresh interpreter with some top-level names made unimportable.

The layer tests use it to show that a part of the system stands without another:
the core without Qt, forms and printing without the workstation, the centre without
the terminal's packages and the terminal without the centre's. `then` is code run
after the imports; whatever it puts in the dict `result` comes back too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import importlib, importlib.abc, json, pkgutil, sys

BLOCKED = set(json.loads(sys.argv[1]))


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked in this probe")
        return None


sys.meta_path.insert(0, Blocker())


def walk(package_name, skip=()):
    package = importlib.import_module(package_name)
    names = [package_name]
    if not hasattr(package, "__path__"):
        return names
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if any(part in skip for part in info.name.split(".")):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    return names


imported = []
for spec in json.loads(sys.argv[2]):
    name, _, skip = spec.partition("!")
    imported += walk(name, skip=tuple(filter(None, skip.split(","))))
result = {}
exec(sys.argv[3])
print(json.dumps({"imported": imported, "result": result,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)},
                 ensure_ascii=False, default=str))
"""


def probe(blocked: set[str], packages: list[str], then: str = "") -> dict:
    """Import each of `packages` and every module below it ("name!skip1,skip2" leaves
    out modules with those parts), with `blocked` unimportable; run `then`."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(sorted(blocked)),
                           json.dumps(packages), then],
                          cwd=ROOT, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"},
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
