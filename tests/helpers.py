"""Small helpers shared by the service and CLI tests."""

import hashlib
import sqlite3
from pathlib import Path


def snapshot(db_path: Path) -> dict:
    """Every table of the database (read from sqlite_master, so a new table is in it
    at once): its row count under the table's name and a hash of its rows under
    "<table>#rows". Equal before and after means the use case changed nothing; a
    changed row changes its table's hash."""
    out = {}
    conn = sqlite3.connect(db_path)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        for table in tables:
            # Sorted in Python: the order rows come back in is not content.
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
            out[table] = len(rows)
            out[f"{table}#rows"] = digest
    finally:
        conn.close()
    return out


def besides_a_failed_login(before: dict, after: dict) -> bool:
    """Whether `after` differs from `before` only by what a wrong password writes
    (issue 16: counted for the lockout and audited), and by at most one audit entry."""
    moved = {"audit_log", "audit_log#rows", "login_failures", "login_failures#rows", "settings#rows"}
    same = {k: v for k, v in before.items() if k not in moved} == \
        {k: v for k, v in after.items() if k not in moved}
    return same and after["audit_log"] - before["audit_log"] in (0, 1)


def raises_domain(fragment: str, func, *args, **kwargs):
    """Call func, expect a DomainError whose message contains fragment; return it."""
    import pytest

    from workstation.domain.errors import DomainError

    with pytest.raises(DomainError) as info:
        func(*args, **kwargs)
    assert fragment in str(info.value), str(info.value)
    return info.value


def edit_docx(docx: bytes, old: str, new: str) -> bytes:
    """Change text in a .docx's document XML, as someone editing the file would."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                assert old in text
                data = text.replace(old, new, 1).encode()
            dst.writestr(item, data)
    return out.getvalue()


def open_main_window(qtbot, ws, actor, tasks=None):
    """The main window, shown and active (window shortcuts need an active window, and
    the offscreen platform does not always activate a new one by itself). Its work runs
    at once on the calling thread unless a real task manager is given."""
    from workstation.ui.main_window import MainWindow
    from workstation.ui.tasks import SyncRunner

    w = MainWindow(ws, actor, tasks or SyncRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def together(*calls, timeout: float = 120):
    """Run the calls in threads released at the same moment; their results in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
