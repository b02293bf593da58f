"""Issue 16, "Tests": a whole day on a terminal and a real centre (PostgreSQL), then
everything either side keeps scanned for what must never be kept in clear.

The day: init, users, acceptances of a person and an enterprise (受理, 容缺受理, 一次性
告知 for 补正, 不予受理), documents issued and sealed, a decision by an approver, a
pickup and a mailing, a case's electronic materials exported, the terminal enrolled
at the centre and synced. Then the scan:

- every file under the terminal's data folder (the SQLite database and its WAL, the
  documents, the materials, the export), the terminal process's log and the centre's
  database (every table), its files folder and its log are searched for private key
  material (the seals', the terminal's own authority, the checkpoint key, the audit
  key, the centre's authority key), the sync token, the enrolment code and the
  passwords: raw, hex, base64 and base64url, and inside every zip member (.docx);
- the audit rows on both sides are searched for applicants' ID numbers and credit codes.

Each finding names what was found and where."""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import logging
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from forms import signing
from workstation.config import Clock
from workstation.domain.identity import make_id_number
from workstation.domain.mail import make_s10, parse_mail_address
from workstation.services import Workstation, material_files, materials
from workstation.services.acceptance import Intake, accept, notify, refuse
from workstation.services.approval import decide
from workstation.services.auth import login
from workstation.services.delivery import mail, mark_delivered, pickup
from workstation.services.seals import SealVault, create_seal
from workstation.cli import main as cli_main
from workstation.services.sync.client import sync_once

from .conftest import ENTERPRISE, KEYRING, PASSWORD, PERSON, TODAY, _initialise
from .material_samples import colour_page
from .pg import central_db_url, pg_server  # noqa: F401  (fixtures)
from .test_central_support import cli_json
from .test_sync_client import Centre

ORGAN = "西安市新城区行政审批服务局"
AUTHORITY_PASSPHRASE = "district-root-passphrase-for-the-scan"
REP_ID = make_id_number("610103", date(1975, 1, 2), 45)
OTHER_ID = make_id_number("610102", date(1980, 1, 1), 5)
ADDRESS = {"name": "李娜", "phone": "13912345678", "address": "陕西省西安市新城区东五路8号",
           "postcode": "710004"}


# ---- how a secret may appear -------------------------------------------------------------------

def _b64_needles(data: bytes) -> list[tuple[str, bytes]]:
    """base64 and base64url of ``data`` at each of the three alignments it can have
    inside a longer encoded blob (the first and last characters depend on the
    neighbouring bytes, so they are cut)."""
    out = []
    for shift in range(3):
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = encode(bytes(shift) + data).rstrip(b"=")
            core = text[4:-4] if shift else text[:-4]
            out.append((f"{name}(+{shift})", core))
    return out


def key_needles(what: str, data: bytes) -> list[tuple[str, bytes]]:
    hexed = binascii.hexlify(data)
    forms = [("raw", data), ("hex", hexed), ("HEX", hexed.upper()), *_b64_needles(data)]
    return [(f"{what} [{form}]", needle) for form, needle in forms]


def text_needles(what: str, text: str) -> list[tuple[str, bytes]]:
    raw = text.encode("utf-8")
    return [(f"{what} [clear]", raw), (f"{what} [hex]", binascii.hexlify(raw)),
            *[(f"{what} [{form}]", n) for form, n in _b64_needles(raw) if len(n) >= 8]]


def haystacks_of_file(path: Path):
    """The file's bytes, and each member of it when it is a zip (a .docx, an .xlsx)."""
    data = path.read_bytes()
    yield str(path), data
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield f"{path}!{name}", z.read(name)
        except zipfile.BadZipFile:
            pass


def haystacks_of_folder(folder: Path):
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield from haystacks_of_file(path)


def haystacks_of_centre_db(db_url: str):
    """Every row of every table of the centre's database, each value as its bytes."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            for table in tables:
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
                    for column, value in row.items():
                        if value is None:
                            continue
                        data = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                        yield f"centre database {table}.{column}", data
    finally:
        engine.dispose()


def scan(haystacks, needles: list[tuple[str, bytes]]) -> list[str]:
    findings = []
    for where, data in haystacks:
        for what, needle in needles:
            if needle and needle in data:
                findings.append(f"{what} in {where}")
    return findings


# ---- the day -----------------------------------------------------------------------------------

HEADLESS_SECRET = "the-headless-terminals-seal-secret"


@pytest.fixture(params=["keyring", "headless"])
def day(request, tmp_path, central_db_url, monkeypatch):
    """A whole day on a fresh terminal and a real centre; every secret made on the way.
    On a desk the secrets are in the keyring; on a headless terminal the seals' secret
    is in the environment and the audit key is derived from it."""
    if request.param == "headless":
        monkeypatch.setenv("WORKSTATION_SEAL_SECRET", HEADLESS_SECRET)
    else:
        monkeypatch.delenv("WORKSTATION_SEAL_SECRET", raising=False)
    monkeypatch.setenv("WORKSTATION_AUTHORITY_PASSPHRASE", AUTHORITY_PASSPHRASE)
    made: list[tuple[str, bytes]] = []
    generate = signing.generate_keypair

    def recording(algorithm):
        private, public = generate(algorithm)
        made.append((f"private key #{len(made) + 1} ({algorithm})", algorithm, private))
        return private, public
    monkeypatch.setattr(signing, "generate_keypair", recording)

    # The terminal process's log, at the most talkative level (httpx names the requests).
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    handler = logging.FileHandler(log_dir / "terminal.log", encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    # The centre: its authority made in this process (so its key is recorded), then served.
    made_authority = cli_json(central_db_url, "authority", "init", "--organ", ORGAN)
    assert made_authority["algorithm"]
    centre = Centre(central_db_url, tmp_path / "central-files", log=log_dir / "centre.log")
    centre.start()

    folder = tmp_path / "data"
    ws = Workstation(folder, Clock(TODAY)).open()
    try:
        _initialise(ws)
        admin = login(ws, "admin", PASSWORD)
        clerk = login(ws, "clerk", PASSWORD)
        create_seal(ws, admin, name=f"{ORGAN}社会民生专用章", category="社会民生", algorithm="ecdsa-p256")
        from workstation.services.auth import add_user

        add_user(ws, admin, "min", "民审", "approver", PASSWORD, categories=("社会民生",))
        approver = login(ws, "min", PASSWORD)

        other = dict(PERSON, name="李明", id_number=OTHER_ID)
        with_rep = dict(ENTERPRISE, legal_rep_id=REP_ID)
        spot = accept(ws, clerk, Intake(["T-GT"], dict(PERSON), ["M01", "M02"]), approve_now=True)
        mailed = accept(ws, clerk, Intake(["T-SP"], with_rep, ["M01", "M02", "M03", "M04"]))
        tolerated = accept(ws, clerk, Intake(["T-SP"], with_rep, ["M01", "M02", "M04"],
                                             promises={"M03": date(2026, 10, 12)}))
        noticed = notify(ws, clerk, Intake(["T-SP"], with_rep, ["M01", "M03", "M04"],
                                           defects={"M02": "复印件不清晰"}))
        refused = refuse(ws, clerk, Intake(["T-GT"], other, ["M01"]), reason="不属于本机关职权范围",
               basis="《中华人民共和国行政许可法》第三十二条", competent_organ="西安市市场监督管理局")
        vault = SealVault()
        from workstation.services.documents import issue_pending

        for done in (spot, mailed, tolerated, noticed, refused):
            issue_pending(ws, clerk, done.receipt_no, vault)
        case_id = mailed.cases[0]["id"]
        page = tmp_path / "id.jpg"
        page.write_bytes(colour_page(600, 800))
        materials.add_files(ws, clerk, case_id, "M02", [page])
        material_files.export(ws, clerk, case_id, folder / "exports")
        decide(ws, approver, case_id, "approve", SealVault())
        pickup(ws, clerk, spot.cases[0]["id"], PERSON["id_number"], SealVault())
        mail(ws, clerk, case_id, make_s10(12345678), parse_mail_address(ADDRESS))
        mark_delivered(ws, clerk, case_id)

        # Enrolment, a sync and a look around from the command line, as an operator does
        # it; what the commands print is kept in the log too.
        code = centre.cli("terminal", "add", "--station", "district", "--terminal", "001")["code"]
        monkeypatch.setenv("WORKSTATION_DATA_DIR", str(folder))
        monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
        for argv in (["enroll", "--server", centre.url, "--code", code, "--user", "admin"],
                     ["sync", "--user", "admin", "--json"], ["sync", "status", "--user", "admin", "--json"],
                     ["settings", "list", "--user", "admin", "--json"], ["seal", "list", "--user", "admin", "--json"],
                     ["audit", "verify", "--user", "admin"]):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                exit_code = cli_main(argv)
            with (log_dir / "terminal-cli.log").open("a", encoding="utf-8") as cli_log:
                # the command's name only: its arguments are the test's, not the program's output
                cli_log.write(f"$ workstation {argv[0]}\n{out.getvalue()}{err.getvalue()}")
            assert exit_code == 0, (argv, err.getvalue())
        first = sync_once(ws)
        assert first["last_error"] is None, first
        second = sync_once(ws)
        assert second["pending"] == 0 and second["last_error"] is None, second
        # a document from the day reached the centre, so its files folder is not empty
        assert any(p.is_file() for p in (tmp_path / "central-files").rglob("*"))
        yield {"ws": ws, "folder": folder, "centre": centre, "db_url": central_db_url, "code": code,
               "made": made, "logs": log_dir,
               "id_numbers": {PERSON["id_number"], ENTERPRISE["credit_code"], REP_ID, OTHER_ID}}
    finally:
        ws.close()
        centre.stop()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def _keyring_secrets(folder: Path) -> dict[str, str]:
    prefix = f"{folder.resolve()}|"
    return {f"keyring {service} {user[len(prefix):]}": secret
            for (service, user), secret in KEYRING.store.items() if user.startswith(prefix)}


def test_a_whole_day_keeps_no_secret_in_clear_and_no_id_number_in_the_audit_log(day):
    folder, db_url = day["folder"], day["db_url"]
    keyring_secrets = _keyring_secrets(folder)
    names = " ".join(keyring_secrets)
    # What must have been made on the way: a 受理 seal, the 社会民生 seal, the terminal's
    # own authority, the checkpoint key and the centre's authority; the audit key, the
    # seals' unlock secrets and the sync token in the keyring.
    assert len(day["made"]) >= 5, day["made"]
    assert "workstation-audit key" in names and "token" in names, names

    needles: list[tuple[str, bytes]] = []
    publics: list[tuple[str, bytes]] = []
    for what, algorithm, private in day["made"]:
        needles += key_needles(what, private)
        publics += key_needles(f"public half of {what}", signing.derive_public_key(algorithm, private))
    for what, secret in keyring_secrets.items():
        needles += text_needles(what, secret)
        if what.startswith("keyring workstation-audit key"):
            needles += key_needles("the audit key", bytes.fromhex(secret))
    needles += text_needles("the enrolment code", day["code"])
    needles += text_needles("the headless terminal's seal secret", HEADLESS_SECRET)
    needles += text_needles("a user's password", PASSWORD)
    needles += text_needles("the centre's authority passphrase", AUTHORITY_PASSPHRASE)

    def everywhere():
        yield from haystacks_of_folder(folder)
        yield from haystacks_of_folder(day["logs"])
        yield from haystacks_of_folder(day["centre"].files)
        yield from haystacks_of_centre_db(db_url)

    findings = scan(everywhere(), needles)
    # The scan sees where the keys live: each key's public half is found somewhere
    # (a certificate, the settings, the centre's tables), so a key kept in clear beside
    # it would have been found too.
    seen = {line.split(" [")[0] for line in scan(everywhere(), publics)}
    assert seen == {f"public half of {what}" for what, _, _ in day["made"]}, seen

    # The audit rows, on both sides, for applicants' ID numbers and credit codes.
    import sqlite3

    with sqlite3.connect(day["ws"].db.path) as conn:
        rows = conn.execute("SELECT seq, action, target, detail FROM audit_log").fetchall()
    conn.close()
    assert len(rows) > 20
    for seq, action, target, detail in rows:
        text = f"{target} {detail}".upper()
        findings += [f"ID number {n} in the terminal's audit entry {seq} ({action})"
                     for n in day["id_numbers"] if n.upper() in text]
    for where, data in haystacks_of_centre_db(db_url):
        if "audit" in where:
            findings += [f"ID number {n} in {where}" for n in day["id_numbers"] if n.encode() in data.upper()]
    assert not findings, "\n".join(findings)


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scanner itself: each encoding of a key and a token is found in a file, in a
    zip member and in the middle of a longer base64 blob."""
    key = os.urandom(32)
    token = "tok_" + base64.urlsafe_b64encode(os.urandom(24)).decode()
    for i, body in enumerate([key, key.hex().encode(), key.hex().upper().encode(),
                              base64.b64encode(b"x" + key + b"yz"), base64.urlsafe_b64encode(b"ab" + key),
                              b"Authorization: Bearer " + token.encode()]):
        (tmp_path / f"f{i}.bin").write_bytes(b"prefix " + body + b" suffix")
    with zipfile.ZipFile(tmp_path / "d.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w>" + key.hex().encode() + b"</w>")
    found = scan(haystacks_of_folder(tmp_path), key_needles("k", key) + text_needles("t", token))
    files = {line.split(" in ")[1] for line in found}
    assert len(files) == 7, found
    assert scan(haystacks_of_folder(tmp_path), key_needles("other", os.urandom(32))) == []
