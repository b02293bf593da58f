"""同步与登记 (Ctrl+Shift+E) by keys and clicks, against a real central server process:
an admin enrols on the network worker (never the GUI thread); a wrong or used code,
an unreachable server, no keyring, empty, huge and hostile input each get a clear
message and change nothing; a clerk sees the state but cannot enrol."""

import os
import threading
from pathlib import Path

import httpx
import pytest
from PyQt6.QtCore import Qt

import workstation.services.sync.client as client
from workstation.services.sync.client import token
from workstation.ui.sync_dialog import SyncDialog
from workstation.ui.tasks import NETWORK, SyncRunner

from .helpers import open_main_window, snapshot
from .pg import central_db_url, pg_url  # noqa: F401
from .test_sync_client import _free_port, centre  # noqa: F401



def _shot(widget, tmp_path: Path, name: str) -> None:
    """Save what the widget looks like (to look at the Chinese): in WORKSTATION_SHOTS
    when set, else in the test's temporary folder."""
    folder = Path(os.environ.get("WORKSTATION_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(folder / name))


@pytest.fixture
def make_dialog(qtbot, ws):
    """A shown dialog: the database work on the calling thread, the network on a real
    worker thread (as in the window)."""
    made = []

    def make(actor):
        tasks = SyncRunner(real=(NETWORK,))
        dialog = SyncDialog(ws, actor, tasks)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        made.append(tasks)
        return dialog

    yield make
    for tasks in made:
        tasks.close()


def _enter(qtbot, dialog, server: str, code: str, *, typed: bool = True) -> None:
    """Fill both fields (typed, or pasted when a keyboard could not type it) and press
    Enter in the code field; wait for the network worker's answer."""
    for edit, text in ((dialog.server, server), (dialog.code, code)):
        edit.clear()
        if typed:
            edit.setFocus()
            qtbot.keyClicks(edit, text)
        else:
            edit.insert(text)
    with qtbot.waitSignal(dialog.work_done, timeout=30_000):
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)


def test_an_admin_enrols_by_keys_then_syncs_now(qtbot, ws, admin, centre, make_dialog, monkeypatch,
                                                 tmp_path):
    threads = []
    real_enroll = client.enroll
    monkeypatch.setattr(client, "enroll", lambda *a: (threads.append(threading.current_thread()),
                                                      real_enroll(*a))[1])
    dialog = make_dialog(admin)
    assert dialog.values["enrolled"].text().startswith("未登记")
    assert dialog.focusWidget() is dialog.server
    code = centre.cli("terminal", "add", "--station", "S01", "--terminal", "001")["code"]
    _enter(qtbot, dialog, centre.url, code)
    assert threads and threads[0] is not threading.main_thread()      # the network off the GUI thread
    assert "已登记到" in dialog.message.text() and "站点 S01" in dialog.message.text()
    assert dialog.values["enrolled"].text() == "已登记" and dialog.values["station"].text() == "S01"
    assert dialog.values["server"].text() == centre.url and token(ws)
    assert dialog.code.text() == ""
    with qtbot.waitSignal(dialog.work_done, timeout=30_000):
        qtbot.mouseClick(dialog.sync_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text().startswith("已同步"), dialog.message.text()
    assert dialog.values["online"].text() == "在线" and dialog.values["last_error"].text() == "无"
    assert dialog.values["last_sync"].text() != "从未"
    _shot(dialog, tmp_path, "sync_dialog.png")


def test_a_wrong_or_used_code_says_so_and_changes_nothing(qtbot, ws, admin, centre, make_dialog, tmp_path):
    dialog = make_dialog(admin)
    before = snapshot(ws.db.path)
    _enter(qtbot, dialog, centre.url, "NOPE-NOPE-NOPE")
    assert "登记未成功" in dialog.message.text() and "登记码无效" in dialog.message.text()
    assert dialog.focusWidget() is dialog.code and dialog.code.selectedText() == "NOPE-NOPE-NOPE"
    used = centre.cli("terminal", "add", "--station", "S01", "--terminal", "001")["code"]
    answer = httpx.post(centre.url + "/api/v1/enroll", json={"code": used, "terminal": "001", "device": "x"})
    assert answer.status_code == 201
    _enter(qtbot, dialog, centre.url, used)
    assert "已经使用过" in dialog.message.text()
    other = centre.cli("terminal", "add", "--station", "S01", "--terminal", "002")["code"]
    _enter(qtbot, dialog, centre.url, other)                 # made for another terminal
    assert "登记未成功" in dialog.message.text()
    assert snapshot(ws.db.path) == before and token(ws) is None
    assert dialog.values["enrolled"].text().startswith("未登记")
    _shot(dialog, tmp_path, "sync_dialog_refused.png")


@pytest.mark.parametrize("server,code,fragment", [
    ("", "ABCD-EFGH-JKLM", "请填写中心服务器地址"),
    ("http://127.0.0.1:1", "", "请填写中心服务器给出的一次性登记码"),
    ("   ", "   ", "请填写中心服务器地址"),
    ("h" * 10_000, "ABCD-EFGH-JKLM", "过长"),
    ("https://zwfw.example.gov.cn", "K" * 10_000, "登记码过长"),
    ("http://127.0.0.1\x1b[2J", "ABCD-EFGH-JKLM", "控制字符"),
    ("http://127.0.0.1:8443\n", "AB\x00CD", "控制字符"),
    ("https://zwfw.example.gov.cn", "ABCD\u202eEFGH", "控制字符"),
    ("file:///etc/passwd", "ABCD-EFGH-JKLM", "http:// 或 https://"),
    ("javascript:alert(1)", "ABCD-EFGH-JKLM", "http:// 或 https://"),
    ("http://user:pw@127.0.0.1", "ABCD-EFGH-JKLM", "写法有误"),
    ("<b>http://x</b>", "ABCD-EFGH-JKLM", "http:// 或 https://"),
])
def test_empty_huge_and_hostile_input_get_clear_messages(qtbot, ws, admin, make_dialog, server, code, fragment):
    dialog = make_dialog(admin)
    before = snapshot(ws.db.path)
    _enter(qtbot, dialog, server, code, typed=False)
    text = dialog.message.text()
    assert text.startswith("登记未成功") and fragment in text, text
    assert "Traceback" not in text and "内部错误" not in text and len(text) < 200
    assert snapshot(ws.db.path) == before and token(ws) is None
    assert len(dialog.server.text()) <= 300 and len(dialog.code.text()) <= 100   # the widget cut it


def test_an_unreachable_server_and_a_missing_keyring(qtbot, ws, admin, make_dialog):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    dialog = make_dialog(admin)
    before = snapshot(ws.db.path)
    _enter(qtbot, dialog, f"http://127.0.0.1:{_free_port()}", "ABCD-EFGH-JKLM")
    assert "连不上中心服务器" in dialog.message.text() and "核对中心服务器地址" in dialog.message.text()
    assert dialog.focusWidget() is dialog.server
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        _enter(qtbot, dialog, "http://127.0.0.1:8443", "ABCD-EFGH-JKLM")
    finally:
        keyring.set_keyring(previous)
    assert "钥匙串" in dialog.message.text() and "登记码仍然有效" in dialog.message.text()
    assert snapshot(ws.db.path) == before and token(ws) is None


def test_a_clerk_sees_the_state_but_cannot_enrol(qtbot, ws, clerk, centre, make_dialog):
    dialog = make_dialog(clerk)
    assert not dialog.server.isEnabled() and not dialog.code.isEnabled()
    assert not dialog.enrol_button.isEnabled() and "系统管理员" in dialog.enrol_note.text()
    assert dialog.values["enrolled"].text().startswith("未登记")
    assert dialog.values["pending"].text() == "1 条"   # the seal of init
    # Even past the greyed-out fields, the service refuses.
    before = snapshot(ws.db.path)
    code = centre.cli("terminal", "add", "--station", "S01", "--terminal", "001")["code"]
    dialog.server.setText(centre.url)
    dialog.code.setText(code)
    with qtbot.waitSignal(dialog.work_done, timeout=30_000):
        dialog.submit()
    assert "权限" in dialog.message.text()
    assert snapshot(ws.db.path) == before and token(ws) is None
    with qtbot.waitSignal(dialog.work_done, timeout=30_000):
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)      # 立即同步(&S)
    assert "尚未登记" in dialog.message.text()


def test_the_window_opens_it_by_shortcut_and_menu(qtbot, ws, admin, clerk):
    for actor in (admin, clerk):
        w = open_main_window(qtbot, ws, actor)
        qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        dialog = w.sync_dialog
        assert dialog.isVisible() and dialog.values["enrolled"].text().startswith("未登记")
        assert dialog.enrol_button.isEnabled() == (actor is admin)
        dialog.close()
        menu = w.menuBar().actions()[0].menu()
        assert [a.text().split("\t")[0] for a in menu.actions()] == \
            ["同步状态与登记(&E)…", "立即同步(&S)", "同步冲突(&C)…"]
        menu.actions()[0].trigger()
        assert w.sync_dialog.isVisible()
        w.close()
