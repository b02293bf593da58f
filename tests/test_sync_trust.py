"""Issue 16, findings 2 and 3 on the terminal: a pulled change is audited, and nothing
the centre sends builds a file path (a compromised or spoofed centre included)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.cases import show
from workstation.services.conflicts import list_conflicts
from workstation.services.sync.client import sync_once

from .conftest import PASSWORD
from .test_sync_client import centre, enrolled  # noqa: F401  (fixtures)


def _publish_change(centre, station: str | None, kind: str, key: str, data: dict) -> None:
    """A change in the centre's feed as a hostile centre would write it."""
    engine = create_engine(centre.db_url)
    try:
        with engine.begin() as conn:
            cursor = conn.execute(text("UPDATE counters SET value = value + 1 WHERE name = 'changes' "
                                       "RETURNING value")).scalar_one()
            conn.execute(text("INSERT INTO changes (cursor, station, kind, key, data, origin_terminal, "
                              "origin_station, origin_user, origin_at, created_at) VALUES (:c, :s, :k, :key, "
                              ":d, '009', 'district', 'mallory', :at, :at)"),
                         {"c": cursor, "s": station, "k": kind, "key": key, "d": json.dumps(data),
                          "at": datetime(2026, 9, 30, 16)})
    finally:
        engine.dispose()


def _audit(ws, action: str) -> list[dict]:
    with sqlite3.connect(ws.db.path) as conn:
        return [{"user": u, "target": t, "detail": json.loads(d)} for u, t, d in conn.execute(
            "SELECT user_login, target, detail FROM audit_log WHERE action = ? ORDER BY seq", (action,))]


def test_a_document_kind_from_the_centre_never_builds_a_path(enrolled, centre, clerk, person, tmp_path):
    ws = enrolled
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    sync_once(ws)
    payload = b"written by the centre"
    sha = hashlib.sha256(payload).hexdigest()
    target = Path("/tmp/x")
    before = target.read_bytes() if target.exists() else None
    _publish_change(centre, None, "case", case_id, {
        "status": "reviewing", "event": "case.review",
        "document": {"kind": "../../../../tmp/x", "number": "N-1", "sha256": sha, "seal_id": None}})
    out = sync_once(ws)
    assert out["conflicts"] == 1
    [conflict] = list_conflicts(ws, login(ws, "admin", PASSWORD))
    assert "文书种类" in conflict["message"] and "不认识" in conflict["message"]
    assert (target.read_bytes() if target.exists() else None) == before        # nothing written there
    outside = [p for p in Path(ws.data_dir).parent.rglob("*") if p.is_file() and p.name.startswith("x")]
    assert outside == []
    assert show(ws, clerk, case_id)["cases"][0]["status"] == "accepted"        # the case as it was


def test_a_pulled_case_change_is_audited_with_its_origin(enrolled, centre, clerk, person):
    ws = enrolled
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    sync_once(ws)
    _publish_change(centre, None, "case", case_id, {"status": "reviewing", "event": "case.review"})
    assert sync_once(ws)["conflicts"] == 0
    assert show(ws, clerk, case_id)["cases"][0]["status"] == "reviewing"
    [entry] = _audit(ws, "sync.case_updated")
    assert entry["target"] == case_id and entry["user"] == "(中心)"
    assert entry["detail"]["from"] == "accepted" and entry["detail"]["to"] == "reviewing"
    assert entry["detail"]["origin"]["terminal"] == "009" and entry["detail"]["origin"]["user"] == "mallory"
