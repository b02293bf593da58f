"""printing.render.ensure_app in a process whose Qt application cannot paint."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
from PyQt6.QtCore import QCoreApplication
from printing.errors import PrintError
from printing.render import ensure_app

core = QCoreApplication([])
try:
    ensure_app()
except PrintError as exc:
    print("PrintError", exc.message)
else:
    print("no error")
"""


def test_a_bare_core_application_is_refused_with_a_message():
    """Qt allows one application per process, and a QCoreApplication has no fonts: the
    caller gets a PrintError rather than an application that cannot paint text."""
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "PrintError 本进程的 Qt 应用不支持绘图，无法打印"
