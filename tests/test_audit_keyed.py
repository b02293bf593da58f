"""Issue 16, finding 5: the audit log cannot be rewritten quietly.

The attacks are done the way someone holding the data folder (not the keyring, not
the seal secret) would do them: sqlite3 on the database file, then `workstation
audit verify` as a real process."""

import hashlib
import json
import sqlite3
from datetime import datetime

from workstation.config import Clock
from workstation.services import Workstation, audit, audit_key

from .cli_support import INIT, SEAL_SECRET, TODAY, accept_sp, cli_process, db_path, ok_json, run
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)
from .conftest import KEYRING


def _verify(data_dir, **extra):
    """`workstation audit verify --json` in its own process: (exit code, report, stderr)."""
    p = cli_process(data_dir, "audit", "verify", "--json", **extra)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


def _attack(data_dir, *statements):
    with sqlite3.connect(db_path(data_dir)) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            conn.execute(*statement) if isinstance(statement, tuple) else conn.execute(statement)
    conn.close()


def _recompute_unkeyed(data_dir) -> None:
    """What an attacker without the key can do: recompute every hash with SHA-256 (the
    old, unkeyed algorithm) and write the head to match."""
    with sqlite3.connect(db_path(data_dir)) as conn:
        prev = audit.GENESIS
        rows = conn.execute("SELECT seq, at, user_login, terminal, action, target, detail "
                            "FROM audit_log ORDER BY seq").fetchall()
        for seq, at, user, terminal, action, target, detail in rows:
            text = json.dumps([seq, datetime.fromisoformat(at).isoformat(), user, terminal, action,
                               target, detail, prev], ensure_ascii=False, separators=(",", ":"))
            digest = hashlib.sha256(text.encode()).hexdigest()
            conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
        conn.execute("UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"{len(rows)}:{prev}",))
    conn.close()


SECRET = {"WORKSTATION_SEAL_SECRET": SEAL_SECRET}


def test_a_set_up_terminal_has_a_keyed_chain_that_verifies_in_another_process(files, capsys):
    cli = files / "data"
    accept_sp(capsys, files)
    report = ok_json(capsys, "audit", "verify")
    assert report["ok"] and report["keyed"] and report["checkpoint"] is None
    code, report, _ = _verify(cli, **SECRET)
    assert code == 0 and report["keyed"] and report["entries"] >= 6
    with sqlite3.connect(db_path(cli)) as conn:
        hashes = [h for (h,) in conn.execute("SELECT hash FROM audit_log")]
        keys = dict(conn.execute("SELECT key, value FROM settings WHERE key LIKE 'audit%' "
                                 "OR key = 'terminal_key'"))
    conn.close()
    assert set(keys) == {"audit_head", "audit_head_mac", "audit_key", "terminal_key"}
    # The key itself is nowhere in the data folder: only its salt and a check value.
    key = audit_key._derive(SEAL_SECRET, json.loads(keys["audit_key"])["salt"])
    assert len(set(hashes)) == len(hashes)
    for path in cli.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert key not in data and key.hex().encode() not in data, path


def test_cutting_the_tail_and_pointing_the_head_back_fails(files, capsys):
    cli = files / "data"
    accept_sp(capsys, files)
    with sqlite3.connect(db_path(cli)) as conn:
        last = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        keep, digest = conn.execute("SELECT seq, hash FROM audit_log WHERE seq = ?", (last - 2,)).fetchone()
    conn.close()
    _attack(cli, ("DELETE FROM audit_log WHERE seq > ?", (keep,)),
            ("UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"{keep}:{digest}",)))
    code, report, err = _verify(cli, **SECRET)
    assert code == 3 and not report["ok"] and "记录头的校验码不符" in report["problem"]
    p = cli_process(cli, "audit", "verify", **SECRET)
    assert p.returncode == 3 and "审计日志被篡改" in p.stderr and "截去" in p.stderr


def test_deleting_the_whole_log_fails(cli, capsys):
    _attack(cli, "DELETE FROM audit_log",
            "DELETE FROM settings WHERE key IN ('audit_head', 'audit_head_mac')")
    code, report, _ = _verify(cli, **SECRET)
    assert code == 3 and report["entries"] == 0 and "整体删除" in report["problem"]
    # …and with the key record gone too, the log now looking never keyed:
    _attack(cli, "DELETE FROM settings WHERE key IN ('audit_key', 'terminal_key')")
    code, report, _ = _verify(cli)
    assert code == 3 and "整体删除" in report["problem"]


def test_editing_an_entry_and_recomputing_the_chain_fails(files, capsys):
    cli = files / "data"
    accept_sp(capsys, files)
    _attack(cli, "UPDATE audit_log SET user_login = 'mallory' WHERE seq = 2")
    _recompute_unkeyed(cli)
    code, report, _ = _verify(cli, **SECRET)
    assert code == 3 and report["problem"] == "第1条审计记录的内容被改动" and report["seq"] == 1


def test_stripping_the_key_record_and_recomputing_unkeyed_fails_where_the_keyring_has_the_key(files, capsys):
    cli = files / "data"
    accept_sp(capsys, files)
    # A desktop terminal: its keyring holds the key (the copied folder's entry set here).
    with sqlite3.connect(db_path(cli)) as conn:
        salt = json.loads(conn.execute("SELECT value FROM settings WHERE key = 'audit_key'").fetchone()[0])["salt"]
    conn.close()
    KEYRING.set_password("workstation-audit", f"{cli.resolve()}|key", audit_key._derive(SEAL_SECRET, salt).hex())
    _attack(cli, "UPDATE audit_log SET user_login = 'mallory' WHERE seq = 2",
            "DELETE FROM settings WHERE key IN ('audit_key', 'audit_head_mac', 'terminal_key')")
    _recompute_unkeyed(cli)
    code, out, err = run(capsys, "audit", "verify")          # this process's keyring holds the key
    assert code == 3 and "钥匙串中有本终端的审计密钥" in err
    assert "audit.rekey" not in {a for _, a, _ in _audit_rows(cli)}      # and it was not sealed over


def test_a_process_without_the_key_cannot_write_or_verify(cli, capsys):
    before = db_path(cli).read_bytes()
    p = cli_process(cli, "audit", "verify")                  # no keyring, no seal secret
    assert p.returncode == 2 and "取不到审计密钥" in p.stderr
    p = cli_process(cli, "audit", "verify", WORKSTATION_SEAL_SECRET="another-secret-123")
    assert p.returncode == 2 and "口令不是初始化本终端时的" in p.stderr
    p = cli_process(cli, "settings", "set", "sender_phone=029-87654321", "--user", "admin")
    assert p.returncode == 2 and "取不到审计密钥" in p.stderr
    assert db_path(cli).read_bytes() == before
    # A changed key record is told apart from a missing key.
    _attack(cli, "UPDATE settings SET value = replace(value, '\"since\": 1', '\"since\": 2') "
                 "WHERE key = 'audit_key'")
    p = cli_process(cli, "audit", "verify", **SECRET)
    assert p.returncode == 2 and "密钥记录被改动" in p.stderr and "不符" in p.stderr


def _audit_rows(data_dir):
    with sqlite3.connect(db_path(data_dir)) as conn:
        rows = conn.execute("SELECT seq, action, detail FROM audit_log ORDER BY seq").fetchall()
    conn.close()
    return rows


def test_an_unkeyed_log_is_verified_once_and_sealed_by_a_keyed_entry(tmp_path):
    """A terminal set up where there was neither keyring nor seal secret (or by an
    older version) has an unkeyed chain: verify says so; the first process with a
    key source verifies it and seals it with a keyed `audit.rekey` entry."""
    data_dir = tmp_path / "data"
    assert cli_process(data_dir, *INIT).returncode == 0
    assert cli_process(data_dir, "user", "add", "admin", "--name", "管理员", "--role", "admin").returncode == 0
    p = cli_process(data_dir, "audit", "verify", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["keyed"] is False and "未加密钥" in p.stderr
    assert [a for _, a, _ in _audit_rows(data_dir)] == ["settings.init", "user.add"]

    code, report, _ = _verify(data_dir, **SECRET)            # opening with a key source re-keys
    assert code == 0 and report["keyed"] and report["entries"] == 3
    seq, action, detail = _audit_rows(data_dir)[-1]
    assert (seq, action) == (3, "audit.rekey") and json.loads(detail)["unkeyed_entries"] == 2
    # From now on the chain before the re-key is frozen too: recomputing it is caught.
    _attack(data_dir, "UPDATE audit_log SET user_login = 'mallory' WHERE seq = 2")
    _recompute_unkeyed(data_dir)
    code, report, _ = _verify(data_dir, **SECRET)
    assert code == 3 and report["seq"] == 3


def test_a_tampered_unkeyed_log_is_not_sealed_over(tmp_path):
    data_dir = tmp_path / "data"
    assert cli_process(data_dir, *INIT).returncode == 0
    assert cli_process(data_dir, "user", "add", "admin", "--name", "管理员", "--role", "admin").returncode == 0
    _attack(data_dir, "UPDATE audit_log SET detail = '{}' WHERE seq = 1")
    code, report, _ = _verify(data_dir, **SECRET)
    assert code == 3 and report["problem"] == "第1条审计记录的内容被改动" and not report["keyed"]
    assert [a for _, a, _ in _audit_rows(data_dir)] == ["settings.init", "user.add"]


def test_rekey_in_process_with_the_keyring(tmp_path):
    """The same in this process, whose (test) keyring takes the key."""
    data_dir = tmp_path / "data"
    assert cli_process(data_dir, *INIT).returncode == 0
    with Workstation(data_dir, Clock(datetime.fromisoformat(TODAY).date())) as ws, ws.reading() as s:
        report = audit.verify(s)
    assert report.ok and report.keyed and report.entries == 2
    assert KEYRING.get_password("workstation-audit", f"{data_dir.resolve()}|key")
