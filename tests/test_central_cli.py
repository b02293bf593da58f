"""``workstation-central`` as an operator uses it (real subprocesses), the schema the
migrations build (exactly the models, on PostgreSQL and SQLite), and the small
pure pieces: the canonical JSON shared with the outbox, the number-block rule,
publishing calendars and users with their visibility."""

from __future__ import annotations

import copy
import json
import socket
import sys
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sqlalchemy_text

from sync.central.apply import process_batch
from sync.central.batch import parse_batch
from sync.central.changes import publish_calendar, publish_user, pull
from sync.central.db import CentralDB, head_revision, known_revisions
from sync.central.files import FileStore
from sync.central.numbers import block_from, reserved
from sync.central.scope import Refused
from sync.central.terminals import Caller

from .decision_support import ORGAN, decision_seal, init_authority, signed_decision, store
from .pg import pg_url  # noqa: F401
from .test_central_support import (ROOT, acceptance, case_event, central_db_url, cli,  # noqa: F401
                                   cli_json, make_event, pg_server, run_main)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("central_db_url")


def _push(db_url: str, caller: Caller, events: list[dict], files=None) -> list[str]:
    """``files``: the centre's files folder (a decision's sealed document is read there)."""
    db = CentralDB(db_url).open()
    try:
        batch = parse_batch({"terminal": caller.terminal, "events": events}, caller)
        store = FileStore(files) if files is not None else None
        return [r["status"] for r in db.write(process_batch, caller, batch, store)]
    finally:
        db.close()


def _decision_file(db_url: str, files, seal, kind: str, receipt_no: str, number: str | None = None) -> dict:
    """A decision's sealed document, already uploaded by the district: the event's ``document``."""
    data, document = signed_decision(seal, kind, receipt_no, number)
    db = CentralDB(db_url).open()
    try:
        store(db, files, data)
    finally:
        db.close()
    return document


def test_terminal_add_cases_and_conflicts_commands(central_db_url, tmp_path):
    db_url = central_db_url
    # The real command line, as an operator types it (a subprocess each) …
    out = cli(db_url, "terminal", "add", "--station", "S01", "--terminal", "001")
    assert "一次性登记码" in out.stdout and "workstation enroll" in out.stdout
    # … and the same main() in-process for the rest (a subprocess costs most of a second).
    added = cli_json(db_url, "terminal", "add", "--station", "S01", "--terminal", "002", "--region", "610102")
    assert added["station"] == "S01" and added["terminal"] == "002" and len(added["code"]) == 14
    for args, fragment in ((["--station", "S 01", "--terminal", "003"], "站点编码"),
                           (["--station", "S01", "--terminal", "1"], "终端编码"),
                           (["--station", "S01", "--terminal", "003", "--region", "999999"], "行政区划")):
        code, _, err = run_main("terminal", "add", *args, "--db", db_url)
        assert code == 2 and fragment in err, err
    assert cli_json(db_url, "cases") == {"count": 0, "cases": []}
    assert "还没有案件" in run_main("cases", "--db", db_url)[1]

    clerk, hall = Caller("001", "S01", "610102"), Caller("003", "district", "610102")
    acc = acceptance("S01", 2)
    case_id = acc["cases"][0]["id"]
    assert _push(db_url, clerk, [make_event(1, "acceptance.accepted", acc)]) == ["applied"]
    # The district decides (issue 16): with its sealed document; a second decision is a conflict.
    init_authority(db_url)          # the centre certifies the hall's seal request at once
    seal = decision_seal()
    document = _decision_file(db_url, tmp_path / "files", seal, "case.approve", acc["receipt_no"])
    events = [make_event(1, "seal.create", seal.create_payload(hall.terminal)),
              make_event(2, *case_event("case.review", case_id)),
              make_event(3, *case_event("case.approve", case_id, document=document)),
              make_event(4, *case_event("case.deny", case_id))]
    assert _push(db_url, hall, events, tmp_path / "files") == ["applied", "applied", "applied", "conflict"]
    cases = json.loads(cli(db_url, "cases", "--json").stdout)
    assert cases["count"] == 2
    first = next(c for c in cases["cases"] if c["id"] == case_id)
    assert (first["status"], first["status_label"], first["station"], first["receipt_no"], first["terminal"]) == \
        ("approved", "准予", "S01", acc["receipt_no"], "003")      # the terminal that acted last
    assert first["document_no"] == document["number"]
    assert acc["receipt_no"] in run_main("cases", "--station", "S01", "--db", db_url)[1]
    assert cli_json(db_url, "cases", "--station", "S02")["count"] == 0
    conflicts = json.loads(cli(db_url, "conflicts", "--json").stdout)
    assert conflicts["count"] == 1 and conflicts["conflicts"][0]["reason"] == "transition"
    assert conflicts["conflicts"][0]["event_id"] == events[3]["id"]
    assert "不予许可" in run_main("conflicts", "--db", db_url)[1]
    listed = cli_json(db_url, "terminal", "list")
    assert [t["terminal"] for t in listed["terminals"]] == ["001", "002"]
    assert cli_json(db_url, "terminal", "revoke", "--terminal", "002")["revoked"]


def test_commands_refuse_bad_input_with_exit_2(tmp_path):
    import subprocess

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    missing = subprocess.run([sys.executable, "-m", "sync.central.cli", "cases"], cwd=ROOT,
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert missing.returncode == 2 and "--db" in missing.stderr
    for argv, fragment in (
            (["cases", "--db", "mysql://x@y/z"], "PostgreSQL"),
            (["cases", "--db", "::::"], "URL"),
            (["cases", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"], "无法连接数据库"),
            (["catalog", "publish", str(tmp_path / "nope.json"), "--db", url], "找不到"),
            (["frobnicate"], "命令参数有误"),
            (["serve", "--db", url, "--port", "0"], "端口")):
        code, _, err = run_main(*argv)
        assert code == 2 and fragment in err, (argv, err)
    (tmp_path / "bad.json").write_text('{"version": "x", "matters": [{"code": "A"}]}', encoding="utf-8")
    code, _, err = run_main("catalog", "publish", str(tmp_path / "bad.json"), "--db", url)
    assert code == 2 and err.startswith("错误：")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = run_main("serve", "--db", url, "--port", str(busy.getsockname()[1]))
    assert code == 2 and "无法在" in err


def test_migrations_build_exactly_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from sync.central.db import MIGRATIONS
    from sync.central.models import Base

    db = CentralDB(db_url).open()
    db.open()                                    # a second start changes nothing
    db.close()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert sorted(r.revision for r in script.walk_revisions()) == known_revisions()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
            assert conn.exec_driver_sql("SELECT value FROM counters WHERE name = 'changes'").scalar() == 0
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_a_newer_schema_is_refused(tmp_path):
    from sync.central.db import CentralError

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    CentralDB(url).open().close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(CentralError, match="9999"):
        CentralDB(url).open()


def test_an_outbox_event_is_stored_as_the_protocol_hashes_it(ws):
    """The terminal writes exactly the text the centre hashes: one canonical form."""
    import json
    from datetime import datetime

    from sync.protocol import canonical, content_hash
    from workstation.services.sync import outbox

    payload = {"b": [1, 2.5, None, True], "a": "中文", "d": {"z": 1, "y": "2026-10-01"}, "e": "\u0000"}
    with ws.transaction() as s:
        event_id = outbox.append(s, "case.test", payload, user="clerk", terminal="001",
                                 at=datetime(2026, 9, 30, 9, 0))
    with ws.reading() as s:
        body, digest = s.execute(sqlalchemy_text("SELECT payload, content_hash FROM outbox WHERE id = :i"),
                                 {"i": event_id}).one()
    assert body == canonical(payload) == '{"a":"中文","b":[1,2.5,null,true],"d":{"y":"2026-10-01","z":1},"e":"\\u0000"}'
    assert json.loads(body) == payload
    assert digest == content_hash("case.test", body)


def test_blocks_stop_at_every_offline_range():
    from workstation.domain.numbering import offline_block

    for terminal in ("001", "002", "517", "999"):
        low, high = offline_block(terminal)
        assert reserved(low) == (low, high) and reserved(high) == (low, high)
        assert reserved(low - 1) is None and reserved(high + 1) is None
    assert block_from(1, 1000) == (1, 1000)
    assert block_from(99_001, 5000) == (99_001, 100_000)
    assert block_from(100_001, 5000) == (200_000, 200_000)
    assert block_from(99_900_001, 10) == (100_000_000, 100_000_009)
    assert block_from(150_000, 10) == (200_000, 200_000)


def test_calendars_and_users_reach_the_right_terminals(tmp_path):
    from workstation.domain.errors import DomainError

    db = CentralDB(f"sqlite:///{tmp_path / 'c.sqlite3'}").open()
    try:
        assert db.write(publish_calendar, {"year": 2027, "holidays": ["2027-01-01"]})["changed"]
        assert not db.write(publish_calendar, {"year": 2027, "holidays": ["2027-01-01"]})["changed"]
        db.write(publish_user, {"login": "chen", "name": "陈审", "role": "approver", "station": None,
                                "password_hash": "never"})
        db.write(publish_user, {"login": "zhao", "name": "赵强", "role": "station_clerk", "station": "S02"})
        with pytest.raises(DomainError):
            db.write(publish_calendar, {"year": "2027"})
        with db.reading() as s:
            seen = {who: [(c["kind"], c["key"]) for c in pull(s, Caller("00" + n, who, "610102"), 0, 100)["changes"]]
                    for n, who in (("1", "S01"), ("2", "S02"), ("3", "district"))}
            chen = pull(s, Caller("001", "S01", "610102"), 0, 100)["changes"][1]
    finally:
        db.close()
    assert seen["S01"] == [("calendar.year", "2027"), ("user", "chen")]
    assert seen["S02"] == seen["district"] == [("calendar.year", "2027"), ("user", "chen"), ("user", "zhao")]
    assert "password_hash" not in chen["data"] and chen["data"]["name"] == "陈审"
    assert chen["origin"]["station"] == "district" and chen["origin"]["at"]


def test_an_event_kind_the_centre_does_not_know_is_stored_and_applied(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    caller = Caller("001", "S01", "610102")
    events = [make_event(1, "materials.transfer", {"slip": uuid.uuid4().hex, "items": [1, 2]})]
    assert _push(url, caller, events) == ["applied"]
    assert _push(url, caller, events) == ["duplicate"]


def test_every_case_event_kind_moves_the_case(db_url, tmp_path):
    """The payloads of workstation/services/*.py, each kind once, on a case's whole life:
    the station accepts, the district reviews, decides (with sealed documents) and delivers."""

    import base64

    from forms import signing, x509
    from sqlalchemy import text

    station = Caller("001", "S01", "610102")
    hall = Caller("002", "district", "610102")
    other = Caller("003", "S02", "610102")
    acc = acceptance("S01", 3)
    a, b, c = (x["id"] for x in acc["cases"])
    init_authority(db_url)
    seal, files = decision_seal(), tmp_path / "files"
    approval = _decision_file(db_url, files, seal, "case.approve", acc["receipt_no"])
    denial = _decision_file(db_url, files, seal, "case.deny", acc["receipt_no"], "新城审不许字〔2026〕第00002号")
    assert _push(db_url, station, [make_event(1, "acceptance.accepted", acc)]) == ["applied"]
    seq = iter(range(1, 100))
    ev = lambda kind, payload: make_event(next(seq), kind, payload)   # noqa: E731
    dues = {"due_date": "2026-11-30", "statutory_due_date": "2026-12-15"}
    life = [
        ev("seal.create", seal.create_payload(hall.terminal)),
        ev("case.review", {"case_id": a, "status": "reviewing", "due_date": "2026-10-15",
                           "statutory_due_date": "2026-10-28"}),
        ev("case.suspend", {"case_id": a, "status": "suspended", "reason": "专家评审", "from": "2026-10-02",
                            "due_date": None, "statutory_due_date": None}),
        ev("case.resume", {"case_id": a, "status": "reviewing", "from": "2026-10-02", "to": "2026-10-08",
                           **dues}),
        ev("case.extend", {"case_id": a, "status": "reviewing", "days": 10, "reason": "情况复杂", **dues}),
        ev(*case_event("case.approve", a, document=approval)),
        ev("case.deliver", {"case_id": a, "method": "mail", "waybill": "SF1234567890", "at": "2026-10-10"}),
        ev("case.delivered", {"case_id": a, "waybill": "SF1234567890", "at": "2026-10-12"}),
        ev("case.extend", {"case_id": a, "status": "delivered", "days": 5, "reason": "晚了", **dues}),
        ev(*case_event("case.deny", b, document=denial)),
        ev("document.sign", {"receipt_no": acc["receipt_no"], **denial}),
        ev("case.deliver", {"case_id": b, "method": "pickup", "role": "applicant",
                            "document": "新城审送字〔2026〕第00003号", "at": "2026-10-10"}),
        ev(*case_event("case.approve", c, document={"kind": "准予行政许可决定书", "number": "N-3",
                                                    "sha256": "e" * 64})),
    ]
    assert _push(db_url, hall, life, files) == ["applied"] * 8 + ["conflict"] + ["applied"] * 3 + ["retry"]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text("SELECT * FROM cases"))}
        docs = {r.number: r for r in conn.execute(text("SELECT * FROM documents"))}
        change = conn.execute(text("SELECT data FROM changes WHERE key = :b ORDER BY cursor DESC"),
                              {"b": b}).first()[0]
    engine.dispose()
    assert (rows[a].status, str(rows[a].due_date), str(rows[a].decided_on)) == \
        ("delivered", "2026-11-30", "2026-10-09")
    assert (rows[b].status, rows[b].document_no) == ("delivered", "新城审不许字〔2026〕第00002号")
    assert rows[c].status == "accepted"                              # the approval waits for its file
    assert docs["新城审不许字〔2026〕第00002号"].case_id == b
    assert docs["新城审不许字〔2026〕第00002号"].seal_id == seal.id
    assert docs["新城审不许字〔2026〕第00002号"].sha256 == denial["sha256"]
    data = change if isinstance(change, dict) else json.loads(change)
    assert data["event"] == "case.deliver" and data["document"]["kind"] == "不予行政许可决定书"
    assert data["document"]["digest"] == denial["digest"]

    def seal_request(terminal):
        private, _ = signing.generate_keypair("ecdsa-p256")
        return base64.b64encode(x509.make_request(
            algorithm="ecdsa-p256", private=private, seal_id="S-9", name=f"{ORGAN}受理专用章",
            category="受理", organ=ORGAN, terminal=terminal, picture_sha256="00" * 32)).decode()

    cert, other_cert = seal_request("004"), seal_request(other.terminal)
    # (the station's next events would wait behind the retried approval: another terminal)
    keeper = Caller("004", "S01", "610102")
    seal_events = [make_event(1, "seal.create", {"seal_id": "S-9", "request": cert}),
                   make_event(2, "seal.create", {"seal_id": "S-9", "request": cert})]
    assert _push(db_url, keeper, seal_events) == ["applied", "applied"]         # the same again: no-op
    # Another station's seal is neither revoked (its whole batch refused, issue 16) nor replaced.
    with pytest.raises(Refused, match="无权办理"):
        _push(db_url, other, [make_event(1, "seal.revoke", {"seal_id": "S-9", "reason": "x"})])
    assert _push(db_url, other, [make_event(1, "seal.create", {"seal_id": "S-9", "request": other_cert})]) \
        == ["conflict"]
    hall2 = Caller("005", "district", "610102")      # (the hall's next events wait behind its approval)
    assert _push(db_url, hall2, [make_event(1, "seal.revoke", {"seal_id": "S-9", "reason": "遗失"}),
                                 make_event(2, "seal.revoke", {"seal_id": "S-9", "reason": "遗失"})]) \
        == ["applied", "applied"]


def test_the_private_postgresql_server(pg_url, pg_server):
    import psycopg

    assert pg_url.startswith(f"postgresql+psycopg://ws@127.0.0.1:{pg_server.port}/")
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW unix_socket_directories").fetchone()[0] == str(pg_server.base)
        assert conn.execute("SELECT current_setting('server_version_num')::int").fetchone()[0] >= 130000
    assert (pg_server.base / "data" / "PG_VERSION").exists()


def test_missing_postgresql_fails_loudly(monkeypatch):
    from . import pg

    monkeypatch.setattr(pg, "_find_bin", lambda name: None)
    with pytest.raises(RuntimeError, match="postgresql"):
        pg._PgServer()


JUNK = [None, True, -1, 10 ** 30, 1.5, "", "x" * 5000, "\x00\u2028|", [], ["a"], {}, {"a": {"b": []}},
        "2026-13-45", "S01"]


def test_junk_in_any_payload_field_is_a_conflict_never_a_fault(db_url):
    """Every handled kind, every field replaced by junk: each event settles as applied,
    conflict or retry; nothing raises, nothing overflows a PostgreSQL column."""

    import base64

    from forms import signing, x509
    from sync.central.handlers import HANDLERS

    private, _ = signing.generate_keypair("ecdsa-p256")
    cert = base64.b64encode(x509.make_request(
        algorithm="ecdsa-p256", private=private, seal_id="S-1", name="局受理章", category="受理",
        organ="局", terminal="001", picture_sha256="00" * 32)).decode()
    acc = acceptance("S01")
    case_id = acc["cases"][0]["id"]
    templates = {
        "acceptance.accepted": acc,
        "case.review": case_event("case.review", case_id)[1],
        "case.approve": case_event("case.approve", case_id, document={"kind": "k", "number": "n",
                                                                      "sha256": "a" * 64})[1],
        "case.deliver": {"case_id": case_id, "method": "pickup", "status": "delivered"},
        "document.sign": {"receipt_no": acc["receipt_no"], "kind": "受理通知书", "number": "N1",
                          "seal_id": "S-1", "digest": "ab", "signature": "cd", "case_id": case_id},
        "seal.create": {"seal_id": "S-1", "request": cert},
        "seal.revoke": {"seal_id": "S-1", "reason": "r"},
    }
    assert set(HANDLERS) >= set(templates)
    events, seq = [], 0
    for kind, template in templates.items():
        for key in template:
            for junk in JUNK:
                seq += 1
                events.append(make_event(seq, kind, {**template, key: junk}))
        if kind == "acceptance.accepted":
            for junk in JUNK:       # inside a case too
                seq += 1
                bad = copy.deepcopy(acc)
                bad["acceptance_id"], bad["receipt_no"] = uuid.uuid4().hex, uuid.uuid4().hex[:20]
                bad["cases"][0] = {**bad["cases"][0], "id": uuid.uuid4().hex, "status": junk}
                events.append(make_event(seq, kind, bad))
    caller = Caller("001", "district", "610102")
    seen = []
    for i in range(0, len(events), 300):
        seen += _push(db_url, caller, events[i:i + 300])
    assert set(seen) <= {"applied", "conflict", "retry"}
    assert seen.count("conflict") > len(events) // 3
