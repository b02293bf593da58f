"""Seals, documents and verification from the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PASSWORD
from .helpers import edit_docx, snapshot
from .cli_support import CHINESE, accept_sp, db_path, ok, ok_json, run
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)


# ---- seals, documents and verification --------------------------------------------------------

def test_accept_issues_signed_documents_and_verify_says_so(files, capsys):
    out = accept_sp(capsys, files)
    assert out["documents_pending"] is False
    paths = [d["path"] for d in out["documents"]]
    assert len(paths) == 2 and all(Path(p).exists() for p in paths)
    verdict = ok_json(capsys, "verify", paths[0])
    assert verdict["valid"] and verdict["receipt_no"] == out["receipt_no"]
    assert verdict["seal"].endswith("行政审批专用章") and verdict["signed_at"]


def test_verify_exit_codes(files, capsys, tmp_path):
    path = accept_sp(capsys, files)["documents"][0]["path"]
    forged = tmp_path / "forged.docx"
    forged.write_bytes(edit_docx(Path(path).read_bytes(), "好味道", "好滋味"))
    code, stdout, err = run(capsys, "verify", forged, "--json")
    assert code == 3 and json.loads(stdout)["valid"] is False and "被改动" in stdout
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"junk" * 10)
    for argv in (("verify", junk), ("verify", tmp_path / "none.docx"), ("verify", "--image", junk),
                 ("verify",), ("verify", forged, "--image", junk)):
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and CHINESE.search(err) and stdout == ""


def test_seal_commands(cli, capsys, monkeypatch, tmp_path):
    listed = ok_json(capsys, "seal", "list")["seals"]
    assert [s["category"] for s in listed] == ["受理"]        # made by init
    made = ok_json(capsys, "seal", "create", "--user", "admin", "--name", "西安市新城区行政审批服务局社会民生专用章",
                   "--category", "社会民生", "--algorithm", "sm2")
    assert made["algorithm"] == "sm2" and made["status"] == "active"
    before = snapshot(db_path(cli))
    bad_png = tmp_path / "bad.png"
    bad_png.write_bytes(b"not a picture")
    for argv, fragment in [
        (("seal", "create", "--user", "clerk", "--name", "章章", "--category", "受理", "--algorithm", "sm2"),
         "没有“管理电子印章”的权限"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "外星", "--algorithm", "sm2"),
         "印章类别"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "受理", "--algorithm", "rsa"),
         "签名算法"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "受理", "--algorithm", "sm2",
          "--image", bad_png), "印章图片"),
        (("seal", "revoke", "S-nope", "--reason", "x", "--user", "admin"), "没有编号"),
    ]:
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and fragment in err, err
    assert snapshot(db_path(cli)) == before
    ok(capsys, "seal", "revoke", made["id"], "--reason", "图样变更", "--user", "admin")
    assert ok_json(capsys, "seal", "list")["seals"][1]["status"] == "revoked"


def test_approve_and_deny_commands(files, capsys, monkeypatch):
    ok(capsys, "seal", "create", "--user", "admin", "--name", "西安市新城区行政审批服务局社会民生专用章",
       "--category", "社会民生", "--algorithm", "ecdsa-p256")
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    ok(capsys, "user", "add", "min", "--name", "民审", "--role", "approver", "--categories", "社会民生",
       "--user", "admin")
    cases = [accept_sp(capsys, files)["case_ids"][0] for _ in range(3)]
    out = ok_json(capsys, "approve", cases[0], "--user", "min")
    assert out["done"] == 1 and out["failed"] == [] and len(out["documents"]) == 1
    out = ok_json(capsys, "deny", cases[1], "--reason", "经营场所与申报不符", "--user", "min")
    assert out["status"] == "denied" and Path(out["document"]["path"]).exists()
    out = ok_json(capsys, "approve", "--all-pending", "--category", "社会民生", "--user", "min")
    assert out["total"] == 1 and out["done"] == 1
    assert ok_json(capsys, "approve", "--all-pending", "--user", "min")["total"] == 0
    before = snapshot(db_path(files / "data"))
    for argv, fragment in [
        (("approve", "--user", "min"), "三者选一"),
        (("approve", cases[0], "--all-pending", "--user", "min"), "三者选一"),
        (("approve", cases[0], "--category", "社会民生", "--user", "min"), "--category"),
        (("approve", "f" * 32, "--user", "min"), "找不到案件"),
        (("deny", cases[2], "--reason", "", "--user", "min"), "理由不能为空"),
        (("approve", cases[2], "--user", "clerk"), "没有“审批”的权限"),
        (("approve", "--resume", "nope", "--user", "min"), "找不到批量任务"),
    ]:
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and fragment in err, (argv, err)
    assert snapshot(db_path(files / "data")) == before


def test_user_password_lets_a_user_from_the_centre_log_in(cli, capsys, monkeypatch):
    """A user published by the centre arrives without a password; an admin sets one."""
    from workstation.services.sync.incoming import apply_user
    from workstation.services.auth import login
    from workstation.services.context import Workstation
    from workstation.services.errors import AuthenticationFailed

    ws = Workstation(cli).open()
    try:
        with ws.transaction() as s:
            apply_user(ws, s, {"key": "newbie", "data": {"name": "新人", "role": "clerk"}})
        with pytest.raises(AuthenticationFailed):
            login(ws, "newbie", "")
    finally:
        ws.close()
    before = snapshot(db_path(cli))
    good = "a-good-password-1"
    for password, argv, fragment in [
        ("short", ("user", "password", "newbie", "--user", "admin"), "密码至少"),
        ("", ("user", "password", "newbie", "--user", "admin"), "WORKSTATION_NEW_PASSWORD"),
        ("x" * 10_000, ("user", "password", "newbie", "--user", "admin"), "密码最多"),
        (good, ("user", "password", "nobody", "--user", "admin"), "没有登录名"),
        (good, ("user", "password", "x\x00y", "--user", "admin"), "登录名"),
        (good, ("user", "password", "n" * 10_000, "--user", "admin"), "登录名"),
        (good, ("user", "password", "newbie", "--user", "clerk"), "权限"),
    ]:
        monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", password)
        code, _, err = run(capsys, *argv)
        assert code == 2 and fragment in err, (argv[:3], err)
    assert snapshot(db_path(cli)) == before
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", "a-good-password-1")
    assert ok_json(capsys, "user", "password", "newbie", "--user", "admin") == {"login": "newbie"}
    ws = Workstation(cli).open()
    try:
        assert login(ws, "newbie", "a-good-password-1").role == "clerk"
    finally:
        ws.close()


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_gets_no_traceback(cli, buffered):
    """`workstation … --json | head -c1`: the pipe closes under the command; it ends
    quietly, without the 内部错误 traceback meant for real faults. Buffered (Python's
    default for a pipe), the few kilobytes wait until stdout is flushed: at interpreter
    exit, that would be "Exception ignored … BrokenPipeError" and exit 120."""
    read, write = os.pipe()
    os.close(read)                   # the reader is already gone
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["WORKSTATION_DATA_DIR"] = str(cli)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    out = subprocess.run([sys.executable, "-m", "workstation", "catalog", "list", "--json"],
                         stdout=write, stderr=subprocess.PIPE, env=env, timeout=60, text=True)
    os.close(write)
    assert out.returncode == 1 and "内部错误" not in out.stderr and "Traceback" not in out.stderr, out.stderr


# ---- issue 16, findings 4 and 8: what is printed is what is signed -----------------------------

def test_verify_says_tampered_for_every_change_to_what_is_printed(files, capsys, tmp_path):
    from . import docx_attacks as attacks

    notice = Path(accept_sp(capsys, files)["documents"][0]["path"]).read_bytes()
    seal_png = next(data for name, data in attacks.parts_of(notice).items()
                    if name.startswith("word/media/") and len(data) > 10_000)
    forgeries = {**{name: attack(notice) for name, attack in attacks.PRINTED.items()},
                 "seal removed": attacks.seal_removed(notice),
                 "crossed-out seal, original kept": attacks.seal_crossed_out(notice, seal_png),
                 "seal hidden": attacks.seal_hidden(notice),
                 "seal in a hidden run": attacks.seal_in_hidden_run(notice)}
    before = snapshot(db_path(files / "data"))
    for name, data in forgeries.items():
        forged = tmp_path / "forged.docx"
        forged.write_bytes(data)
        code, stdout, err = run(capsys, "verify", forged, "--json")
        assert code == 3 and json.loads(stdout)["valid"] is False, (name, stdout, err)
    assert snapshot(db_path(files / "data")) == before


def test_verify_refuses_a_zip_bomb_and_a_huge_picture_as_unreadable(files, capsys, tmp_path):
    import time

    from .test_forms_package_limits import GIB, png_of_zeros, raw_zip, zeros_deflated

    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(raw_zip([("word/document.xml", zeros_deflated(GIB), 0, GIB)]))
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_of_zeros(5461, 8192))
    for argv, fragment in ((("verify", bomb), "无法读取"), (("verify", "--image", huge), "图片过大")):
        started = time.perf_counter()
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and fragment in err and stdout == "", err
        assert time.perf_counter() - started < 3
