"""Issue 16, finding 9: the centre's OpenAPI description is complete and true.

schemathesis generates requests for every operation from the description
(``/api/v1/openapi.json``) and calls the application in-process (ASGI), signed in
as a real enrolled terminal; every response must be one the description states
(status code, headers, body schema) and none may be a 500. A station terminal and
the district's are both tried: they see different files and may push different
events."""

from __future__ import annotations

import hashlib

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from sync.protocol import BASE

STATIONS = ("S01", "district")
EXAMPLES = 25           # per operation and terminal: the whole file stays well under a minute
# An upload whose bytes do not hash to the name it is put under (422), or run past the
# Upload-Length its headers declare (400), is well formed by any schema OpenAPI can
# state: the description documents those answers, and this lets them count as
# rejections of *those* requests. Every other check, and every other operation,
# keeps schemathesis' defaults.
CONFIG = SchemathesisConfig.from_dict({"operations": [{
    "include-path": f"{BASE}/files/{{sha256}}", "include-method": "PUT",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "404", "409", "422"]}}}]})


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """The application on a fresh SQLite centre, with one enrolled terminal per kind
    and a file each has uploaded (so HEAD/GET/PUT also meet files that exist)."""
    from sync.central.app import create_app
    from sync.central.terminals import add_terminal

    root = tmp_path_factory.mktemp("openapi-centre")
    app = create_app(f"sqlite:///{root / 'central.sqlite3'}", files_dir=root / "files")
    tokens = {}
    with TestClient(app) as client:
        for n, station in enumerate(STATIONS, start=1):
            code = app.state.db.write(lambda s, station=station, n=n: add_terminal(
                s, station=station, terminal=f"{n:03d}"))["code"]
            r = client.post(f"{BASE}/enroll", json={"code": code, "terminal": f"{n:03d}", "device": "测试"})
            assert r.status_code == 201, r.text
            tokens[station] = r.json()["token"]
            data = f"一份文件 {station}".encode()
            r = client.put(f"{BASE}/files/{hashlib.sha256(data).hexdigest()}", content=data,
                           headers={"Authorization": f"Bearer {tokens[station]}", "Upload-Offset": "0",
                                    "Upload-Length": str(len(data))})
            assert r.status_code == 201, r.text
    yield app, tokens
    app.state.db.close()


def _fuzz(app, token: str) -> None:
    """Every operation, ``EXAMPLES`` generated requests each, checked against the
    description. (schemathesis' pytest integration would need the application at
    import time: it is built here, per test, on a fresh database.)"""
    schema = schemathesis.openapi.from_asgi(f"{BASE}/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        run()


def test_every_operation_answers_as_described_to_a_station(centre):
    _fuzz(centre[0], centre[1]["S01"])


def test_every_operation_answers_as_described_to_the_district(centre):
    _fuzz(centre[0], centre[1]["district"])


def test_the_description_states_security_headers_and_status_codes(centre):
    app, _ = centre
    with TestClient(app) as client:
        doc = client.get(f"{BASE}/openapi.json").json()
    bearer = doc["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer") and doc["security"] == [{"bearer": []}]
    ops = {(method.upper(), path.removeprefix(BASE)): op for path, item in doc["paths"].items()
           for method, op in item.items()}
    # Open: the time, enrolment and the public check; everything else needs a token.
    for key, op in ops.items():
        public = key in {("GET", "/time"), ("POST", "/enroll"), ("GET", "/verify")}
        assert (op.get("security") == []) == public, key
        if not public:
            assert "401" in op["responses"], key
    put = ops[("PUT", "/files/{sha256}")]
    assert {p["name"] for p in put["parameters"] if p["in"] == "header"} >= {"Upload-Length", "Upload-Offset"}
    assert "Upload-Offset" in put["responses"]["201"]["headers"]
    head = ops[("HEAD", "/files/{sha256}")]
    assert set(head["responses"]) >= {"200", "206", "400", "401", "404"}
    assert {p["name"] for p in ops[("GET", "/changes")]["parameters"]} == {"since", "limit"}
    assert {p["name"] for p in ops[("GET", "/verify")]["parameters"]} == {"qr"}
    # The public check's answer is described field for field as forms' verdict gives it.
    from forms.stamp import Verdict

    answer = doc["components"]["schemas"]["VerifyAnswer"]["properties"]
    assert set(answer) == set(Verdict(True, "").to_json())


def test_what_schemathesis_found_is_answered_as_described(centre):
    """Its findings, each once: the largest ``since`` the description allows has 19
    digits (it was refused: at most 18 were read); a JSON integer written 1370.0 is an
    integer (it was refused); a QR code of the described form with an unknown seal is
    a check that fails (200, valid false), not a request refused."""
    app, tokens = centre
    auth = {"Authorization": f"Bearer {tokens['S01']}"}
    with TestClient(app) as client:
        r = client.get(f"{BASE}/changes", params={"since": 2 ** 62, "limit": 1}, headers=auth)
        assert r.status_code == 200 and r.json()["changes"] == []
        assert client.get(f"{BASE}/changes", params={"since": 2 ** 62 + 1}, headers=auth).status_code == 422
        r = client.post(f"{BASE}/number-blocks", json={"authority": "新城审", "act": "许", "year": 2026.0,
                                                      "size": 1370.0}, headers=auth)
        assert r.status_code == 201 and r.json()["last"] - r.json()["first"] == 1369
        assert client.post(f"{BASE}/number-blocks", json={"authority": "新城审", "act": "许", "year": 2026,
                                                         "size": 1370.5}, headers=auth).status_code == 422
        qr = "WS1|新城审许字〔2026〕第00001号|61010220261009001|" + "A" * 43 + "|S-X|" + "A" * 86
        r = client.get(f"{BASE}/verify", params={"qr": qr})
        assert r.status_code == 200 and r.json()["valid"] is False


def test_an_audit_checkpoint_is_read_as_described(centre):
    """After the merge with the audit slice, schemathesis found /checkpoints answering
    422 to requests its description allowed: ``seq`` written 8446.0 (an integer to JSON
    Schema) and a described ``at`` that was not constrained at all. Now the description
    states the ASCII form and the centre reads 7.0 as 7; digits of other scripts
    (which Python's ``\\d`` took) are refused."""
    app, tokens = centre
    auth = {"Authorization": f"Bearer {tokens['district']}"}
    body = {"seq": 7.0, "hash": "ab" * 32, "at": "2026-10-09T10:00:00", "signature": "AA"}
    with TestClient(app) as client:
        doc = client.get(f"{BASE}/openapi.json").json()
        r = client.post(f"{BASE}/checkpoints", json=body, headers=auth)
        # Read and checked up to the key this terminal did not register at enrolment.
        assert r.status_code == 409 and r.json()["error"] == "no_checkpoint_key", r.text
        r = client.post(f"{BASE}/checkpoints", json={**body, "at": "２０２６-10-09T10:00:00"}, headers=auth)
        assert r.status_code == 422 and "at" in r.json()["message"], r.text
    schema = doc["components"]["schemas"]["CheckpointRequest"]["properties"]
    assert schema["at"]["pattern"].startswith("^[0-9]{4}") and schema["seq"]["maximum"] == 2 ** 62
