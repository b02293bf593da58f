"""The store refuses what it cannot trust; the audit log catches tampering."""

import sqlite3

import pytest

from workstation.config import Clock
from workstation.services import Workstation
from workstation.services import audit
from workstation.services.acceptance import Intake, accept
from workstation.store import StoreError

from .conftest import TODAY


def test_wal_and_foreign_keys(ws):
    with ws.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_newer_schema_is_refused_untouched(ws):
    ws.close()
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = ws.db.path.read_bytes()
    with pytest.raises(StoreError, match="更新版本"):
        Workstation(ws.data_dir, Clock(TODAY)).open()
    assert ws.db.path.read_bytes() == before


def test_garbage_file_is_refused(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "workstation.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="不是可用的"):
        Workstation(d, Clock(TODAY)).open()


def test_audit_log_refuses_edits(ws):
    with sqlite3.connect(ws.db.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET user_login = 'x' WHERE seq = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE seq = 1")


def _tamper(path, *statements):
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        for sql in statements:
            conn.execute(sql)


def _verify(ws):
    with ws.reading() as s:
        return audit.verify(s)


def test_audit_verify_ok(ws, clerk, person):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    report = _verify(ws)
    assert report.ok and report.entries >= 8


@pytest.mark.parametrize("statement,fragment", [
    ("UPDATE audit_log SET detail = '{}' WHERE seq = 3", "第3条审计记录的内容被改动"),
    ("DELETE FROM audit_log WHERE seq = 4", "第4条审计记录缺失"),
    ("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)", "末尾缺失"),
])
def test_audit_verify_finds_tampering(ws, clerk, person, statement, fragment):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    _tamper(ws.db.path, statement)
    report = _verify(ws)
    assert not report.ok
    assert fragment in report.problem


def test_migration_file_names_match_alembic():
    """The start-up check reads revisions from file names without importing Alembic;
    Alembic must agree on the list and on the head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from workstation.store.db import MIGRATIONS, head_revision, known_revisions

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert sorted(r.revision for r in script.walk_revisions()) == known_revisions()
    assert script.get_current_head() == head_revision()


def test_opening_an_up_to_date_database_does_not_import_alembic(ws):
    import subprocess
    import sys

    code = ("import sys; from workstation.store import Database; "
            f"Database({str(ws.data_dir)!r}).open(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_upgrade_from_the_first_schema_keeps_the_data(tmp_path):
    """A terminal on schema 0001 with a case in it opens on the current schema, case intact."""
    from alembic import command

    from workstation.services.acceptance import Intake, accept
    from workstation.services.auth import add_user
    from workstation.services.cases import search
    from workstation.services.setup import init
    from workstation.store.db import _alembic_config, head_revision

    from .conftest import PERSON

    ws = Workstation(tmp_path / "old", Clock(TODAY)).open()
    init(ws, {"region": "610102", "terminal": "001", "authority": "某局", "authority_short": "某审"})
    clerk = add_user(ws, None, "clerk", "王敏", "clerk", "secret123")
    result = accept(ws, clerk, Intake(["SJ-001"], PERSON, ["M01", "M02", "M03"]))
    command.downgrade(_alembic_config(ws.db.engine), "0001")
    assert ws.db.schema_revision() == "0001"
    ws.close()
    again = Workstation(tmp_path / "old", Clock(TODAY)).open()
    assert again.db.schema_revision() == head_revision() != "0001"
    assert [r.receipt_no for r in search(again, clerk, "张伟")] == [result.receipt_no]
    with again.db.engine.connect() as conn:
        names = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('outbox')")}
    assert "ix_outbox_acked_at" in names
    again.close()


def test_migrations_build_exactly_the_models(ws):
    """Alembic's own comparison finds nothing between the migrated schema and the
    models, apart from the FTS5 name index that lives outside the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from workstation.store.models import Base

    with ws.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("applicant_grams"))] == []
