"""The first-start, login and refusal dialogs with wrong, empty, huge and hostile input."""

import pytest
from PyQt6.QtCore import Qt

from workstation.config import Clock
from workstation.services import Workstation
from workstation.ui.acceptance.refuse_dialog import RefuseDialog
from workstation.services.auth import LOGIN_RE
from workstation.ui.login import LoginDialog
from workstation.ui.setup_dialog import SetupDialog

from .conftest import PASSWORD, TODAY
from .helpers import edit_docx, besides_a_failed_login, snapshot
from .qt_typing import type_text


@pytest.fixture
def fresh(tmp_path):
    w = Workstation(tmp_path / "fresh", Clock(TODAY)).open()
    yield w
    w.close()


def fill(qtbot, dialog, **values):
    for key, text in values.items():
        edit = dialog.fields[key]
        edit.clear()
        if text.isprintable():
            type_text(edit, text)
        else:
            edit.insert(text)      # pasted: a keyboard cannot type an escape sequence


@pytest.mark.parametrize("values,fragment", [
    ({"region": "999999"}, "行政区划代码"),
    ({"terminal": "000"}, "终端编码"),
    ({"authority": ""}, "机关全称不能为空"),
    ({"name": ""}, "姓名不能为空"),
    ({"login": "管理员"}, "登录名"),
    ({"password": "123", "password2": "123"}, "密码至少"),
    ({"password2": "different1"}, "两次输入的密码不一致"),
    ({"name": "管\x1b[2J理员"}, "控制字符"),
])
def test_setup_dialog_rejects_bad_input(qtbot, fresh, values, fragment):
    dialog = SetupDialog(fresh)
    qtbot.addWidget(dialog)
    fill(qtbot, dialog, name="管理员", password="admin1234", password2="admin1234")
    fill(qtbot, dialog, **values)
    dialog.submit()
    assert fragment in dialog.message.text()
    assert dialog.result() != SetupDialog.DialogCode.Accepted
    assert not fresh.is_initialised()     # terminal and admin are set up together or not at all


def test_setup_dialog_then_login(qtbot, fresh):
    dialog = SetupDialog(fresh)
    qtbot.addWidget(dialog)
    fill(qtbot, dialog, name="管理员", password="admin1234", password2="admin1234")
    dialog.submit()
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    assert fresh.settings().authority_short == "新城审"
    login = LoginDialog(fresh)
    qtbot.addWidget(login)
    login.login_edit.setText("admin")
    login.password_edit.setText("admin1234")
    login.try_login()
    assert login.actor.role == "admin"


def test_huge_setup_field_is_cut_by_the_widget_and_refused_by_the_service(qtbot, fresh):
    dialog = SetupDialog(fresh)
    qtbot.addWidget(dialog)
    fill(qtbot, dialog, name="管理员", password="admin1234", password2="admin1234")
    dialog.fields["authority"].setText("局" * 10_000)
    assert len(dialog.fields["authority"].text()) == 128
    dialog.submit()
    assert "过长" in dialog.message.text()
    assert not fresh.is_initialised()


@pytest.mark.parametrize("login,password", [
    ("", ""), ("clerk", ""), ("", PASSWORD), ("clerk", "x" * 10_000),
    ("clerk' OR '1'='1", "' OR '1'='1"), ("clerk\x00", PASSWORD), ("nobody", PASSWORD),
])
def test_login_refuses_bad_input_with_one_message(qtbot, ws, login, password):
    dialog = LoginDialog(ws)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText(login)
    dialog.password_edit.setText(password)
    before = snapshot(ws.db.path)
    dialog.try_login()
    assert dialog.actor is None
    assert dialog.message.text() == "用户名或密码错误"
    assert dialog.password_edit.text() == ""
    if LOGIN_RE.match(login) and password:   # a real attempt: counted and audited (issue 16), nothing else
        assert besides_a_failed_login(before, snapshot(ws.db.path))
    else:
        assert snapshot(ws.db.path) == before


def test_refuse_dialog_needs_reason_and_basis(qtbot):
    dialog = RefuseDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._check()
    assert "具体理由" in dialog.message.text() and dialog.result() == 0
    type_text(dialog.reason, "   ")
    dialog._check()
    assert "具体理由" in dialog.message.text()
    dialog.reason.setPlainText("申请事项依法不需要取得行政许可")
    dialog._check()
    assert "法律依据" in dialog.message.text()
    dialog.basis.setCurrentIndex(0)
    qtbot.keyClick(dialog.organ, Qt.Key.Key_Return)
    assert dialog.result() == RefuseDialog.DialogCode.Accepted
    assert dialog.values()["competent_organ"] is None


def test_huge_refusal_reason_is_refused_by_the_service(qtbot, window_for_refusal):
    screen, ws = window_for_refusal
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    def answer():
        dialog = QApplication.activeModalWidget()
        dialog.reason.setPlainText("理" * 10_000)
        dialog.basis.setCurrentIndex(0)
        dialog._check()

    before = snapshot(ws.db.path)
    QTimer.singleShot(0, answer)
    qtbot.keyClick(screen, Qt.Key.Key_F8)
    assert "过长" in screen.message.text()
    assert snapshot(ws.db.path) == before


@pytest.fixture
def window_for_refusal(qtbot, ws, clerk, person):
    from workstation.ui.main_window import MainWindow
    from workstation.ui.tasks import SyncRunner

    w = MainWindow(ws, clerk, SyncRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    screen = w.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])
    type_text(screen.applicant.name, "张伟")
    qtbot.keyClicks(screen.applicant.phone, person["phone"])
    screen.choose(screen.catalog.matter("T-GT"))
    return screen, ws


def test_login_window_appears_before_the_database_is_open(qtbot, ws):
    """The login window is built from Qt alone; the workstation opens behind it."""
    from workstation.ui.startup import Startup
    from workstation.ui.tasks import TaskManager

    data_dir = ws.data_dir
    ws.close()
    startup = Startup(data_dir, TaskManager())
    dialog = LoginDialog(startup)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.ws is None
    with qtbot.waitSignal(startup.ready, timeout=20_000):
        startup.start()
    assert "西安市新城区行政审批服务局" in dialog.title.text()
    dialog.login_edit.setText("clerk")
    dialog.password_edit.setText(PASSWORD)
    dialog.try_login()
    assert dialog.actor.login == "clerk"
    dialog.ws.close()


def test_login_typed_before_the_database_opens_waits_for_it(qtbot, ws):
    from workstation.ui.startup import Startup
    from workstation.ui.tasks import TaskManager

    data_dir = ws.data_dir
    ws.close()
    startup = Startup(data_dir, TaskManager())
    dialog = LoginDialog(startup)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("clerk")
    dialog.password_edit.setText(PASSWORD)
    startup.start()
    dialog.try_login()               # at once, before the ready signal was delivered
    assert dialog.actor.login == "clerk"
    qtbot.wait(50)                   # the queued ready signal arrives and changes nothing
    assert dialog.actor.login == "clerk"
    dialog.ws.close()


def test_unusable_data_folder_is_said_in_the_login_window(qtbot, tmp_path):
    from workstation.ui.startup import Startup
    from workstation.ui.tasks import TaskManager

    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "workstation.sqlite3").write_bytes(b"not a database" * 100)
    startup = Startup(folder, TaskManager())
    dialog = LoginDialog(startup)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(startup.failed, timeout=20_000):
        startup.start()
    assert "不是可用的工作台数据库" in dialog.message.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def test_verification_dialog_from_file_and_scan(qtbot, ws, clerk, enterprise, tmp_path):
    from workstation.services.acceptance import Intake, accept
    from workstation.services.documents import issue_pending
    from workstation.services.seals import SealVault
    from workstation.ui.tasks import SyncRunner
    from workstation.ui.verify_dialog import VerifyDialog

    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    doc = issue_pending(ws, clerk, result.receipt_no, SealVault())[0]
    dialog = VerifyDialog(ws, SyncRunner())
    qtbot.addWidget(dialog)
    dialog.verify_path(doc["path"])
    text = dialog.result.toPlainText()
    assert "有效" in text and doc["number"] in text and "行政审批专用章" in text
    # A forged copy, a picture of its QR code, and junk.
    forged = tmp_path / "forged.docx"
    forged.write_bytes(edit_docx(open(doc["path"], "rb").read(), "好味道", "好滋味"))
    dialog.verify_path(str(forged))
    assert "无效" in dialog.result.toPlainText() and "被改动" in dialog.result.toPlainText()
    from forms.stamp import qr_png

    scan = tmp_path / "scan.png"
    scan.write_bytes(qr_png(doc["qr"]))
    dialog.verify_path(str(scan))
    assert dialog.verdict.valid and dialog.verdict.document_no == doc["number"]
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x00" * 100)
    dialog.verify_path(str(junk))
    assert "无法验证" in dialog.result.toPlainText() and dialog.verdict is None
