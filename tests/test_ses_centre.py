"""GB/T 38540 seals made by the district's authority at the centre (real PostgreSQL):
an SM2 seal's SESeal comes with its certificate, the terminal checks it before it keeps
it, signs with it, and a forged one in the pulled change is refused."""

from __future__ import annotations

import base64
import sqlite3
from datetime import date, datetime

from forms import ses, ses_seals, signing, x509
from workstation.services import authority
from workstation.services.acceptance import Intake, accept
from workstation.services.documents import issue_pending, verify_file
from workstation.services.seals import SealVault, create_seal, list_seals, revoke_seal
from workstation.services.sync.client import sync_once

from .helpers import snapshot
from .test_central_support import Central, cli_json
from .pg import central_db_url, pg_server  # noqa: F401  (fixtures)
from .test_pki_chain import ORGAN, _enrol, _second_ws, centre  # noqa: F401  (centre: a fixture)


def _seal_row(ws, seal_id):
    return next((s for s in list_seals(ws) if s["id"] == seal_id), None)


def test_centre_makes_the_sesel_and_the_terminal_signs_with_it(
        centre, ws, admin, clerk, enterprise, tmp_path, ws_template):
    district = ws
    _enrol(district, centre, "district", "001")
    for seal in list_seals(district):      # init's ECDSA 受理 seal: not the one to seal with
        revoke_seal(district, admin, seal["id"], "换用 SM2 印章")
    made = create_seal(district, admin, name=f"{ORGAN}行政审批专用章", category="受理",
                       algorithm="sm2")
    assert made["certificate"]["x509"] is None and "ses" not in made["certificate"]   # awaited
    sync_once(district)        # the request and picture up; the certificate and SESeal back
    row = _seal_row(district, made["id"])
    cert = base64.b64decode(row["certificate"]["x509"])
    with district.reading() as s:
        pinned = authority.pinned(s)
    data = ses_seals.check_for_certificate(base64.b64decode(row["certificate"]["ses"]),
                                           certificate=cert, authority=pinned)
    assert data.maker_cert == pinned and data.es_id == made["id"]
    stored = centre.sql("SELECT certificate FROM seals WHERE id = :id", id=made["id"])[0][0]
    assert stored["ses"] == row["certificate"]["ses"] and "picture" not in stored

    result = accept(district, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    docs = issue_pending(district, clerk, result.receipt_no, SealVault())
    verdict = verify_file(district, docs[0]["path"])
    assert verdict.valid and verdict.ses and not verdict.provisional, verdict.reason
    assert verdict.seal_id == made["id"] and verdict.authority == f"{ORGAN}电子印章根证书"

    # A forged SESeal put in the published change (another SM2 "maker" with the same
    # name, signing for the real certificate) is refused by the terminal that pulls it:
    # nothing of that change is stored.
    fake_key, _ = signing.generate_keypair("sm2")
    fake_root = x509.make_authority(algorithm="sm2", private=fake_key, organ=ORGAN,
                                    valid_from=date(2026, 1, 1), valid_to=date(2040, 1, 1))
    forged = ses_seals.make_for_certificate(certificate=cert, authority=fake_root,
                                            authority_private=fake_key, picture_png=data.picture,
                                            created=datetime(2026, 9, 30, 10))
    centre.sql("UPDATE changes SET data = jsonb_set(data::jsonb, '{ses}', to_jsonb(CAST(:ses AS text)))::json "
               "WHERE kind = 'seal.certificate' AND key = :id",
               ses=base64.b64encode(forged).decode(), id=made["id"])
    station = _second_ws(tmp_path, ws_template)
    try:
        _enrol(station, centre, "S01", "002")
        sync_once(station)
        assert _seal_row(station, made["id"]) is None
        assert verify_file(station, docs[0]["path"]).valid is False      # unknown seal there
    finally:
        station.close()


def test_forged_or_foreign_sesel_is_refused_by_apply_certificate(centre, ws, admin):
    """The terminal's check of a pulled change, one forgery at a time: nothing stored."""
    _enrol(ws, centre, "district", "001")
    made = create_seal(ws, admin, name=f"{ORGAN}社会民生专用章", category="社会民生", algorithm="sm2")
    sync_once(ws)
    row = _seal_row(ws, made["id"])
    real = base64.b64decode(row["certificate"]["ses"])
    # Strip the SESeal locally, then offer forged ones in a change for the same certificate.
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("UPDATE seals SET certificate = json_remove(certificate, '$.ses') WHERE id = ?",
                     (made["id"],))
    flipped = real[:-1] + bytes([real[-1] ^ 1])           # the maker's signature broken
    other = create_seal(ws, admin, name=f"{ORGAN}商事登记专用章", category="商事登记", algorithm="sm2")
    sync_once(ws)
    of_other = base64.b64decode(_seal_row(ws, other["id"])["certificate"]["ses"])
    assert ses.decode_seal(of_other).es_id == other["id"]
    before = snapshot(ws.db.path)
    for bad in (flipped, of_other, b"\x30\x00", "not base64"):
        change = {"kind": "seal.certificate", "key": made["id"],
                  "data": {"x509": row["certificate"]["x509"], "status": "active",
                           "ses": bad if isinstance(bad, str) else base64.b64encode(bad).decode()}}
        with ws.transaction() as s:
            assert authority.apply_certificate(ws, s, change) == "skipped"
    assert snapshot(ws.db.path) == before
    # The genuine one is taken.
    with ws.transaction() as s:
        change = {"kind": "seal.certificate", "key": made["id"],
                  "data": {"x509": row["certificate"]["x509"], "status": "active",
                           "ses": base64.b64encode(real).decode()}}
        assert authority.apply_certificate(ws, s, change) == "applied"
    assert _seal_row(ws, made["id"])["certificate"]["ses"] == base64.b64encode(real).decode()


def test_a_pending_request_keeps_the_picture_until_the_authority_issues(
        central_db_url, tmp_path, ws, admin, monkeypatch):
    """The centre's key locked when the request comes: the picture waits with the request,
    and `authority issue` makes the SESeal with the certificate."""
    monkeypatch.delenv("WORKSTATION_AUTHORITY_PASSPHRASE", raising=False)
    secret = tmp_path / "authority-passphrase"
    secret.write_text("district-root-passphrase\n")
    cli_json(central_db_url, "authority", "init", "--organ", ORGAN, "--algorithm", "sm2",
             "--passphrase-file", str(secret))
    server = Central(central_db_url, tmp_path / "files", authority=False)   # no passphrase: locked
    server.start()
    try:
        _enrol(ws, server, "district", "001")
        made = create_seal(ws, admin, name=f"{ORGAN}投资建设专用章", category="投资建设",
                           algorithm="sm2")
        sync_once(ws)
        status, kept = server.sql("SELECT status, certificate FROM seals WHERE id = :id",
                                  id=made["id"])[0]
        assert status == "pending" and "ses" not in kept
        picture = base64.b64decode(kept["picture"])
        assert cli_json(central_db_url, "authority", "issue", "--passphrase-file",
                        str(secret))["issued"] >= 1
        status, kept = server.sql("SELECT status, certificate FROM seals WHERE id = :id",
                                  id=made["id"])[0]
        assert status == "active" and "picture" not in kept and kept["ses"]
        sync_once(ws)
        row = _seal_row(ws, made["id"])
        with ws.reading() as s:
            pinned = authority.pinned(s)
        data = ses_seals.check_for_certificate(
            base64.b64decode(row["certificate"]["ses"]),
            certificate=base64.b64decode(row["certificate"]["x509"]), authority=pinned)
        assert data.picture == picture and data.es_id == made["id"]
    finally:
        server.stop()


def test_a_picture_that_is_not_the_requested_one_is_refused(centre):
    """A terminal cannot have the district's authority put another picture in a seal."""
    station = centre.enroll("district", "003")
    private, _ = signing.generate_keypair("sm2")
    request = x509.make_request(algorithm="sm2", private=private, seal_id="a1b2c3d4e5f60718",
                                name=f"{ORGAN}行政审批专用章", category="受理", organ=ORGAN,
                                terminal="003", picture_sha256="00" * 32)
    for picture, why in ((base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"x" * 50).decode(), "摘要不符"),
                         (base64.b64encode(b"GIF89a").decode(), "PNG"),
                         ("%%%", "base64")):
        out = station.results([station.event("seal.create", {
            "seal_id": "a1b2c3d4e5f60718", "request": base64.b64encode(request).decode(),
            "picture": picture})])
        assert out[0]["status"] == "conflict" and why in out[0]["message"], out
    assert centre.sql("SELECT count(*) FROM seals WHERE id = 'a1b2c3d4e5f60718'")[0][0] == 0
