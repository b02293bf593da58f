"""Number-block leases against a real central server on a real PostgreSQL: two
terminals of the district lease 文号 blocks while they sync, issue their documents'
numbers from them (low, coordinated numbers), fall back to their own offline
ranges when a lease runs out or the centre is down, and never share a number."""

import json
import re
import sqlite3

import pytest

from workstation.services.sync import leases
from workstation.services.sync.client import enroll, status, sync_once
from workstation.services.sync.http import Offline
from workstation.domain.numbering import in_offline_range, offline_block
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import add_user, login
from workstation.services.context import Clock, Workstation
from workstation.services.setup import init

from .conftest import DATA, PASSWORD, TODAY
from .pg import central_db_url, pg_url  # noqa: F401
from .test_sync_client import centre  # noqa: F401

SEQ = re.compile(r"^新城审(.+?)字〔2026〕第(\d{5,})号$")


@pytest.fixture
def second(tmp_path):
    """Terminal 002 of the district hall, with its own admin and clerk."""
    from workstation.services.catalog import import_catalog

    w = Workstation(tmp_path / "second-data", Clock(TODAY)).open()
    init(w, {"region": "610102", "terminal": "002", "authority": "西安市新城区行政审批服务局",
             "authority_short": "新城审"})
    boss = add_user(w, None, "admin", "管理员", "admin", PASSWORD)
    import_catalog(w, boss, json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8")))
    add_user(w, boss, "clerk", "李娜", "clerk", PASSWORD)
    yield w
    w.close()


def _enroll(ws, centre, terminal: str) -> None:
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", terminal)["code"]
    assert enroll(ws, login(ws, "admin", PASSWORD), centre.url, code)["station"] == "district"


def _accept(ws, person) -> list[tuple[str, int]]:
    """One acceptance; its documents' (act, sequence)."""
    result = accept(ws, login(ws, "clerk", PASSWORD), Intake(["T-GT"], dict(person), ["M01", "M02"]))
    out = []
    for doc in result.documents:
        act, seq = SEQ.match(doc["number"]).groups()
        out.append((act, int(seq)))
    return out


def _numbers(ws) -> list[str]:
    with sqlite3.connect(ws.db.path) as conn:
        return [r[0] for r in conn.execute("SELECT number FROM documents")]


def test_two_terminals_issue_from_disjoint_leases_then_their_offline_ranges(
        ws, second, centre, person, monkeypatch):
    monkeypatch.setattr(leases, "LEASE_SIZE", 5)       # small blocks, to run out of them
    monkeypatch.setattr(leases, "LEASE_LOW", 2)
    terminals = {"001": ws, "002": second}
    for code, w in terminals.items():
        _enroll(w, centre, code)
    issued = {code: [] for code in terminals}

    # A terminal that never issued a document leases nothing: its first number is offline.
    for code, w in terminals.items():
        assert sync_once(w)["leased"] == []
        first = _accept(w, person)
        assert {act for act, _ in first} == {"受", "收"}
        assert all(seq == offline_block(code)[0] for _, seq in first)
        issued[code] += first
    # Now it issues 受 and 收: the next sync leases a block of each, ahead of need.
    for w in terminals.values():
        out = sync_once(w)
        assert sorted(b["act"] for b in out["leased"]) == ["受", "收"]
        assert all(b["last"] - b["first"] + 1 == 5 and b["last"] < 100_000 for b in out["leased"])
        assert sorted((b["act"], b["next"], b["last"]) for b in out["leases"]) == \
            sorted((b["act"], b["first"], b["last"]) for b in out["leased"])
    # Seven acceptances each: five numbers of each act from the lease, then the offline range.
    for code, w in terminals.items():
        got = [_accept(w, person) for _ in range(7)]
        for act in ("受", "收"):
            seqs = [seq for docs in got for a, seq in docs if a == act]
            assert all(s < 100_000 for s in seqs[:5]) and seqs[:5] == sorted(seqs[:5])
            assert seqs[5:] == [offline_block(code)[0] + 1, offline_block(code)[0] + 2]
        issued[code] += [d for docs in got for d in docs]
        assert status(w)["leases"] == []                # used up
    # The centre goes down: numbering goes on, offline.
    centre.stop()
    for code, w in terminals.items():
        with pytest.raises(Offline):
            sync_once(w)
        docs = _accept(w, person)
        assert all(seq == offline_block(code)[0] + 3 for _, seq in docs)
        issued[code] += docs
    # Back online: a sync leases again and the next numbers are the centre's again.
    centre.start()
    for code, w in terminals.items():
        assert len(sync_once(w)["leased"]) == 2
        docs = _accept(w, person)
        assert all(seq < 100_000 for _, seq in docs)
        issued[code] += docs
    # No two documents anywhere share a number (each terminal also holds copies of the
    # other's, pulled with its cases); leased ones are in nobody's offline range.
    every = [(code, act, seq) for code, docs in issued.items() for act, seq in docs]
    assert len({(act, seq) for _, act, seq in every}) == len(every) == 2 * 10 * 2
    assert len(set(_numbers(ws) + _numbers(second))) == 2 * 10 * 2
    for code, docs in issued.items():
        lo, hi = offline_block(code)
        assert all(lo <= seq <= hi or not in_offline_range(seq, seq) for _, seq in docs)
    for act in ("受", "收"):
        one = {seq for a, seq in issued["001"] if a == act}
        two = {seq for a, seq in issued["002"] if a == act}
        assert not one & two
    # Every block the centre leased is recorded where it went.
    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT source, server, leased_at FROM number_blocks WHERE source = 'lease'").fetchall()
    assert rows and all(server == centre.url and at for _, server, at in rows)


def test_sync_status_json_lists_the_leases(ws, admin, centre, person, capsys, monkeypatch):
    from workstation.cli import main

    _enroll(ws, centre, "001")
    _accept(ws, person)
    sync_once(ws)
    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(ws.data_dir))
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-09-30")
    assert main(["sync", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"server", "enrolled", "station", "online", "pending", "conflicts", "last_sync",
            "last_error", "skew_seconds", "leases"} <= set(data)
    assert sorted(b["act"] for b in data["leases"]) == ["受", "收"]
    for block in data["leases"]:
        assert set(block) == {"authority", "act", "year", "next", "last"}
        assert block["authority"] == "新城审" and block["year"] == 2026
        assert 1 <= block["next"] <= block["last"] < 100_000
    assert data["last_error"] is None


def test_a_refused_lease_does_not_fail_the_sync(ws, admin, centre, person, monkeypatch):
    """An act the centre will not lease for (here: longer than it takes) is said in
    last_error; the round still counts as a sync and numbering goes on offline."""
    _enroll(ws, centre, "001")
    _accept(ws, person)
    monkeypatch.setattr(leases, "LEASE_SIZE", 10_001)   # more than the centre grants
    out = sync_once(ws)
    assert out["online"] and out["leased"] == [] and "号段大小" in out["last_error"]
    assert _accept(ws, person)[0][1] == offline_block("001")[0] + 1


def test_late_in_december_next_years_numbers_are_leased_too(ws, admin, centre, person):
    """A station offline over New Year starts January on leased numbers: from
    17 December a sync leases next year's blocks as well (not before)."""
    from datetime import date

    from workstation.services.context import Clock

    _enroll(ws, centre, "001")
    ws.clock = Clock(date(2026, 12, 16))
    _accept(ws, person)
    sync_once(ws)
    assert {b["year"] for b in status(ws)["leases"]} == {2026}

    ws.clock = Clock(date(2026, 12, 17))
    sync_once(ws)
    years = sorted((b["act"], b["year"]) for b in status(ws)["leases"])
    assert years == [("受", 2026), ("受", 2027), ("收", 2026), ("收", 2027)]

    ws.clock = Clock(date(2027, 1, 2))          # New Year, and the network is gone
    centre.stop()
    result = accept(ws, login(ws, "clerk", PASSWORD), Intake(["T-GT"], dict(person), ["M01", "M02"]))
    for doc in result.documents:
        m = re.match(r"^新城审(.+?)字〔2027〕第(\d{5,})号$", doc["number"])
        assert m, doc["number"]
        assert not in_offline_range(int(m.group(2)), int(m.group(2))), doc["number"]
