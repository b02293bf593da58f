"""What the command-line tests share: running `workstation.cli.main` in-process and
as a real process, and data folders set up through the CLI (one template per module,
copied for each test)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workstation.cli import main

from .conftest import DATA, ENTERPRISE, PASSWORD, PERSON

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-09-30"
NEW_PASSWORD = "another456"
SEAL_SECRET = "seal-secret-for-tests"
RESULT_KEYS = {"receipt_no", "case_ids", "status", "due_date", "statutory_due_date", "provisional",
               "documents"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CALENDAR_2027 = {
    "year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知（测试用）",
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-06", "to": "2027-02-13"},
        {"name": "清明节", "from": "2027-04-03", "to": "2027-04-05"},
        {"name": "劳动节", "from": "2027-05-01", "to": "2027-05-05"},
        {"name": "端午节", "from": "2027-06-09", "to": "2027-06-09"},
        {"name": "中秋节", "from": "2027-09-15", "to": "2027-09-15"},
        {"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"},
    ],
    "workdays": ["2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"],
}


# ---- helpers --------------------------------------------------------------------------------

def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, f"exit {code}: {err}"
    return out


def ok_json(capsys, *argv) -> dict:
    return json.loads(ok(capsys, *argv, "--json"))


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def db_path(data_dir: Path) -> Path:
    return data_dir / "workstation.sqlite3"


def subprocess_env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSTATION_")}
    env.update({"WORKSTATION_DATA_DIR": str(data_dir), "WORKSTATION_PASSWORD": PASSWORD,
                "WORKSTATION_TODAY": TODAY, "QT_QPA_PLATFORM": "offscreen"})
    env.update(extra)
    return env


def cli_process(data_dir: Path, *argv, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workstation", *map(str, argv)], cwd=ROOT,
                          env=subprocess_env(data_dir, **extra), capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def env(tmp_path, monkeypatch) -> Path:
    """The environment a script would set: data dir, password, a fixed today."""
    data_dir = tmp_path / "data"
    for key in list(os.environ):
        if key.startswith("WORKSTATION_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(data_dir))
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSTATION_TODAY", TODAY)
    # Each test copies a template data folder, and keyring entries belong to a folder:
    # the seals' unlock secret comes from the environment, as on a headless server.
    monkeypatch.setenv("WORKSTATION_SEAL_SECRET", SEAL_SECRET)
    return data_dir


INIT = ("init", "--region", "610102", "--terminal", "001", "--authority", "西安市新城区行政审批服务局",
        "--authority-short", "新城审")


def _set_up_through_the_cli(data_dir: Path) -> None:
    """init, the first admin, the small test catalog, a clerk who may approve on the
    spot and an approver: all through `main`, as an administrator would."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("WORKSTATION_"):
                mp.delenv(key)
        mp.setenv("WORKSTATION_DATA_DIR", str(data_dir))
        mp.setenv("WORKSTATION_PASSWORD", PASSWORD)
        mp.setenv("WORKSTATION_TODAY", TODAY)
        mp.setenv("WORKSTATION_SEAL_SECRET", SEAL_SECRET)
        steps = [
            INIT,
            ("user", "add", "admin", "--name", "管理员", "--role", "admin"),
            ("catalog", "import", DATA / "catalog_small.json", "--user", "admin"),
            ("user", "add", "clerk", "--name", "王敏", "--role", "clerk", "--right", "approve_on_spot",
             "--user", "admin"),
            ("user", "add", "approver", "--name", "陈审", "--role", "approver", "--user", "admin"),
        ]
        for step in steps:
            if step[:2] == ("user", "add") and step[2] != "admin":
                mp.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
            assert main([str(a) for a in step]) == 0


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Set up once per module; each test gets its own copy of the files."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    _set_up_through_the_cli(data_dir)
    return data_dir


@pytest.fixture
def cli(env, template, tmp_path, capsys) -> Path:
    """An initialised terminal (see _set_up_through_the_cli), in this test's own data dir."""
    shutil.copytree(template, env)
    capsys.readouterr()
    write_json(tmp_path / "person.json", PERSON)
    write_json(tmp_path / "enterprise.json", ENTERPRISE)
    return env


@pytest.fixture
def files(cli, tmp_path) -> Path:
    return tmp_path


def accept_sp(capsys, files, *extra) -> dict:
    return ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                   files / "enterprise.json", "--received", "M01,M02,M03,M04", *extra)
