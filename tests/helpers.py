"""Small helpers shared by the service and CLI tests."""

import sqlite3
from pathlib import Path

TABLES = ("applicants", "acceptances", "cases", "case_materials", "documents", "audit_log",
          "outbox", "counters", "number_blocks", "catalog_versions", "holiday_years", "users")


def snapshot(db_path: Path) -> dict:
    """Row counts of every table that a use case writes: equal before and after
    means the use case changed nothing."""
    with sqlite3.connect(db_path) as conn:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        out["counters_sum"] = conn.execute("SELECT coalesce(sum(value),0) FROM counters").fetchone()[0]
        out["settings"] = conn.execute("SELECT group_concat(key||'='||value) FROM settings").fetchone()[0]
    return out


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
