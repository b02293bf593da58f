"""Conflicts kept for people: each clerk sees their own, a supervisor all; closing
one needs a note and is audited; the dialog lists and closes them."""

from datetime import datetime

import pytest

from workstation.domain.errors import DomainError
from workstation.services.auth import login
from workstation.services.conflicts import list_conflicts, resolve
from workstation.store.models import Conflict
from workstation.ui.conflicts_dialog import ConflictsDialog
from workstation.ui.tasks import SyncRunner

from .conftest import PASSWORD


@pytest.fixture
def kept(ws):
    with ws.transaction() as s:
        for user in ("clerk", "plain"):
            s.add(Conflict(source="pull", kind="case", case_id="c" * 32, user_login=user,
                           message=f"2026-09-30 终端 002（district）的 chen 把案件改为“不予许可”（{user}）",
                           detail={}, created_at=datetime(2026, 9, 30, 10)))
    return ws


def test_each_clerk_sees_their_own(kept, clerk):
    mine = list_conflicts(kept, clerk)
    assert [c["user"] for c in mine] == ["clerk"]
    boss = login(kept, "boss", PASSWORD)
    assert sorted(c["user"] for c in list_conflicts(kept, boss)) == ["clerk", "plain"]


def test_resolve_needs_a_note_and_happens_once(kept, clerk):
    conflict = list_conflicts(kept, clerk)[0]
    for note, fragment in (("", "不能为空"), ("  ", "不能为空"), ("说" * 1000, "过长"), ("a\x00b", "控制字符")):
        with pytest.raises(DomainError, match=fragment):
            resolve(kept, clerk, conflict["id"], note)
    out = resolve(kept, clerk, conflict["id"], "已电话核实，以中心决定为准")
    assert out["resolved_by"] == "clerk" and list_conflicts(kept, clerk) == []
    with pytest.raises(DomainError, match="已处理"):
        resolve(kept, clerk, conflict["id"], "again")
    other = list_conflicts(kept, login(kept, "boss", PASSWORD))[0]
    with pytest.raises(DomainError, match="找不到冲突"):
        resolve(kept, clerk, other["id"], "不是我的")


def test_dialog_lists_and_resolves(qtbot, kept, clerk):
    dialog = ConflictsDialog(kept, clerk, SyncRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 1 and "不予许可" in dialog.model.rows[0]["message"]
    dialog.resolve(dialog.model.rows[0]["id"], "")
    assert "不能为空" in dialog.message.text() and dialog.model.rowCount() == 1
    dialog.resolve(dialog.model.rows[0]["id"], "已核实")
    assert dialog.model.rowCount() == 0 and dialog.message.text() == "没有待处理的冲突"
