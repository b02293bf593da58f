"""Station mode end to end, against a real central server on a real PostgreSQL:
a community station's terminal accepts on behalf of the district (委托受理); its
cases reach the district's back office through the centre, where an approver
decides and seals them; the decision comes back to the station, whose output
window then hands the result over. Calendars and users published at the centre
reach the terminals; what a terminal cannot take becomes a conflict, never a guess."""

import json
from pathlib import Path

import httpx
import pytest

from workstation.services.sync.client import enroll, sync_once
from workstation.services.acceptance import Intake, accept
from workstation.services.approval import decide, queue
from workstation.services.auth import add_user, login
from workstation.services.cases import show
from workstation.services.conflicts import list_conflicts
from workstation.services.context import Clock, Workstation
from workstation.services.delivery import output_queue
from workstation.services.seals import SealVault
from workstation.services.setup import init
from workstation.store.models import HolidayYear, User

from .conftest import DATA, PASSWORD, TODAY
from .pg import central_db_url, pg_url  # noqa: F401
from .test_sync_client import centre  # noqa: F401


@pytest.fixture
def station(tmp_path, admin):
    """A community station's terminal: terminal 002 of station S01."""
    from workstation.services.catalog import import_catalog

    w = Workstation(tmp_path / "station-data", Clock(TODAY)).open()
    init(w, {"region": "610102", "terminal": "002", "station": "S01",
             "authority": "西安市新城区行政审批服务局", "authority_short": "新城审"})
    boss = add_user(w, None, "admin", "站点管理员", "admin", PASSWORD)
    import_catalog(w, boss, json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8")))
    add_user(w, boss, "zhao", "赵强", "station_clerk", PASSWORD, station="S01")
    yield w
    w.close()


def _enroll(ws, centre, station_code: str, terminal: str) -> None:
    code = centre.cli("terminal", "add", "--station", station_code, "--terminal", terminal)["code"]
    assert enroll(ws, login(ws, "admin", PASSWORD), centre.url, code)["station"] == station_code


def test_a_station_case_is_decided_at_the_district_and_handed_over_at_the_station(
        ws, station, centre, social_approver, enterprise, monkeypatch):
    district = ws
    _enroll(station, centre, "S01", "002")
    _enroll(district, centre, "district", "001")
    zhao = login(station, "zhao", PASSWORD)
    accepted = accept(station, zhao, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"]))
    case_id = accepted.cases[0]["id"]
    assert sync_once(station)["pending"] == 0

    pulled = sync_once(district)
    assert pulled["pulled"]["applied"] >= 1 and pulled["conflicts"] == 0
    here = show(district, social_approver, case_id)
    assert here["receipt_no"] == accepted.receipt_no
    assert here["station"] == "S01" and here["terminal"] == "002" and here["cases"][0]["status"] == "accepted"
    assert [m["code"] for m in here["cases"][0]["materials"]] == ["M01", "M02", "M03", "M04"]
    assert case_id in [row.id for row in queue(district, social_approver, "社会民生")]

    decide(district, social_approver, case_id, "approve", SealVault())
    assert sync_once(district)["pending"] == 0
    held = {c["id"]: c for c in centre.cli("cases")["cases"]}
    assert held[case_id]["status"] == "approved" and held[case_id]["station"] == "S01"

    # The decision's file comes down while the station's database is free to write
    # (the counter keeps accepting during a slow download).
    import sqlite3

    from workstation.services.sync.http import Central

    downloads, real_request = [], Central.request

    def request(self, method, path, *args, **kwargs):
        if method == "GET" and path.startswith("/files/"):
            other = sqlite3.connect(station.db.path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.rollback()
                downloads.append("free")
            except sqlite3.OperationalError:
                downloads.append("locked")
            finally:
                other.close()
        return real_request(self, method, path, *args, **kwargs)

    monkeypatch.setattr(Central, "request", request)
    back = sync_once(station)
    assert back["conflicts"] == 0
    assert downloads == ["free"]
    data = show(station, zhao, case_id)
    assert data["cases"][0]["status"] == "approved"
    decision = next(d for d in data["documents"] if d["kind"] == "准予行政许可决定书")
    assert case_id in [row.case_id for row in output_queue(station, zhao)]
    from workstation.services.documents import verify_file

    path = Path(station.data_dir) / _document_path(station, decision["number"])
    verdict = verify_file(station, path)            # the district's seal came down with it
    assert verdict.valid, verdict.reason
    # Nothing went round twice: a second round moves nothing either way.
    again = sync_once(district)
    assert again["pushed"]["applied"] == 0 and again["conflicts"] == 0
    assert len(show(district, social_approver, case_id)["cases"]) == 1


def _document_path(ws, number: str) -> str:
    import sqlite3

    with sqlite3.connect(ws.db.path) as conn:
        return conn.execute("SELECT path FROM documents WHERE number = ?", (number,)).fetchone()[0]


def test_another_stations_cases_never_reach_a_station(ws, station, centre, clerk, person, tmp_path):
    from workstation.services.catalog import import_catalog

    other = Workstation(tmp_path / "other-station", Clock(TODAY)).open()
    try:
        init(other, {"region": "610102", "terminal": "003", "station": "S02",
                     "authority": "西安市新城区行政审批服务局", "authority_short": "新城审"})
        boss = add_user(other, None, "admin", "站点管理员", "admin", PASSWORD)
        import_catalog(other, boss, json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8")))
        add_user(other, boss, "qian", "钱多", "station_clerk", PASSWORD, station="S02")
        _enroll(station, centre, "S01", "002")
        _enroll(other, centre, "S02", "003")
        case_id = accept(other, login(other, "qian", PASSWORD),
                         Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
        sync_once(other)
        sync_once(station)
        with pytest.raises(Exception, match="找不到"):
            show(station, login(station, "admin", PASSWORD), case_id)
    finally:
        other.close()


def test_a_case_naming_a_matter_unknown_here_becomes_a_conflict(ws, station, centre, person):
    """The district terminal's catalog lacks the station's matter: the case is not
    half-imported; a person is told which matter is missing."""
    _enroll(station, centre, "S01", "002")
    zhao = login(station, "zhao", PASSWORD)
    from workstation.services.catalog import import_catalog

    catalog = json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8"))
    catalog["version"] = "test-station-only"
    catalog["matters"].append(dict(catalog["matters"][0], code="T-NEW", name="站点新增事项"))
    import_catalog(station, login(station, "admin", PASSWORD), catalog)
    case_id = accept(station, zhao, Intake(["T-NEW"], dict(person), ["M01", "M02"])).cases[0]["id"]
    sync_once(station)
    _enroll(ws, centre, "district", "001")
    out = sync_once(ws)
    assert out["conflicts"] == 1
    admin = login(ws, "admin", PASSWORD)
    [conflict] = list_conflicts(ws, admin)
    assert "T-NEW" in conflict["message"] and "事项目录" in conflict["message"]
    with pytest.raises(Exception, match="找不到"):
        show(ws, admin, case_id)


def test_calendar_and_users_published_at_the_centre_reach_the_terminal(ws, centre, clerk, person, tmp_path):
    _enroll(ws, centre, "district", "001")
    case_id = accept(ws, clerk, Intake(["T-SP"], dict(person), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    before = show(ws, clerk, case_id)["cases"][0]["due_date"]
    sync_once(ws)
    # The National Day holiday declared at the centre as 10-01 … 10-12 (three days longer):
    # the open case's deadline moves.
    schedule = {"year": 2026, "source": "国务院办公厅通知（测试）",
                "holidays": [{"name": "国庆节（测试：延长至12日）", "from": "2026-10-01", "to": "2026-10-12"}],
                "workdays": []}
    (tmp_path / "cal.json").write_text(json.dumps(schedule), encoding="utf-8")
    centre.cli("calendar", "publish", str(tmp_path / "cal.json"))
    users = {"login": "clerk", "name": "王敏", "role": "clerk", "station": None, "active": False}
    (tmp_path / "user.json").write_text(json.dumps([users]), encoding="utf-8")
    centre.cli("users", "publish", str(tmp_path / "user.json"))
    (tmp_path / "new.json").write_text(json.dumps([{"login": "newbie", "name": "新人", "role": "clerk"}]),
                                       encoding="utf-8")
    centre.cli("users", "publish", str(tmp_path / "new.json"))
    out = sync_once(ws)
    assert out["conflicts"] == 0, [c["message"] for c in list_conflicts(ws, login(ws, "admin", PASSWORD))]
    with ws.reading() as s:
        assert s.get(HolidayYear, 2026).source == "国务院办公厅通知（测试）"
        newbie = s.query(User).filter_by(login="newbie").one()
        assert newbie.name == "新人" and newbie.role == "clerk"
    after = show(ws, login(ws, "admin", PASSWORD), case_id)["cases"][0]["due_date"]
    assert after > before
    from workstation.services.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed, match="停用"):          # deactivated at the centre
        login(ws, "clerk", PASSWORD)
    with pytest.raises(AuthenticationFailed):                        # no password here yet
        login(ws, "newbie", "")


def test_garbage_from_the_centre_is_kept_as_a_conflict_not_applied(ws, centre, clerk, person):
    """A user with an unknown role, a calendar that does not parse: each is kept for
    a person; the rest of the page is applied."""
    _enroll(ws, centre, "district", "001")
    from workstation.services.sync import client as sync_client
    from workstation.services.sync.incoming import Unusable, apply_calendar, apply_user

    with ws.transaction() as s:
        with pytest.raises(Unusable, match="角色"):
            apply_user(ws, s, {"key": "evil", "data": {"role": "root", "name": "x"}})
        with pytest.raises(Unusable, match="登录名"):
            apply_user(ws, s, {"key": "x" * 500, "data": {"role": "clerk"}})
        with pytest.raises(Unusable, match="节假日"):
            apply_calendar(ws, s, {"key": "2026", "data": {"year": "两千"}})
        with pytest.raises(Unusable, match="节假日"):
            apply_calendar(ws, s, {"key": "2026", "data": None})
        assert sync_client._unusable(ws, s, {"kind": "user", "key": "evil", "origin": {}},
                                     "角色不认识") == "conflict"
    with ws.reading() as s:
        assert s.query(User).filter_by(login="evil").first() is None
    assert any("角色不认识" in c["message"] for c in list_conflicts(ws, login(ws, "admin", PASSWORD)))


def test_a_transfer_slip_packed_at_the_station_is_signed_for_at_the_district(
        ws, station, centre, clerk, person, enterprise):
    """材料流转: the station packs and hands over the paper of two cases; the district
    learns of the slip through the centre, signs for the bundle with one case missing,
    and the station then sees the discrepancy and may pack the missing case again."""
    from workstation.services import transfers

    district = ws
    _enroll(station, centre, "S01", "002")
    _enroll(district, centre, "district", "001")
    zhao = login(station, "zhao", PASSWORD)
    first = accept(station, zhao, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"]))
    second = accept(station, zhao, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    slip = transfers.create(station, zhao, [first.receipt_no, second.receipt_no])
    transfers.send(station, zhao, slip["number"], "站点联络员 孙立")
    assert sync_once(station)["pending"] == 0

    assert sync_once(district)["conflicts"] == 0
    here = transfers.show(district, clerk, slip["number"])
    assert here["status"] == "sent" and here["carrier"] == "站点联络员 孙立"
    assert sorted(i["receipt_no"] for i in here["items"]) == sorted([first.receipt_no, second.receipt_no])
    signed = transfers.receive(district, clerk, slip["qr"], [second.receipt_no], "第二份未见")
    assert signed["status"] == "discrepancy"
    assert sync_once(district)["pending"] == 0

    assert sync_once(station)["conflicts"] == 0
    back = transfers.show(station, zhao, slip["number"])
    assert back["status"] == "discrepancy" and back["note"] == "第二份未见"
    assert {i["receipt_no"]: i["state"] for i in back["items"]} == {
        first.receipt_no: "received", second.receipt_no: "missing"}
    # The missing bundle can travel again on a new slip; the received one cannot.
    again = transfers.create(station, zhao, [second.receipt_no])
    assert [i["receipt_no"] for i in again["items"]] == [second.receipt_no]
    with pytest.raises(Exception):
        transfers.create(station, zhao, [first.receipt_no])
    # The station now holds the district's seal certificates too (same names, same
    # 受理 category): its next acceptance is still sealed with its own seal.
    from workstation.services.documents import issue_pending

    later = accept(station, zhao, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    issued = issue_pending(station, zhao, later.receipt_no, SealVault())
    assert issued
    from sqlalchemy import select

    from workstation.store.models import Acceptance, Document, Seal

    with station.reading() as s:
        acc_id = s.query(Acceptance.id).filter_by(receipt_no=later.receipt_no).scalar()
        own = s.scalar(select(Seal.id).where(Seal.category == "受理", Seal.private_key_blob.is_not(None)))
        assert {d.seal_id for d in s.query(Document).filter_by(acceptance_id=acc_id)} == {own}
    # A second round changes nothing anywhere.
    assert sync_once(district)["pulled"]["conflict"] == 0
    assert transfers.show(district, clerk, slip["number"])["status"] == "discrepancy"


def test_the_centre_refuses_a_slip_step_from_the_wrong_side(centre):
    """Only the slip's own station packs or hands it over; only the district signs."""
    from .test_sync_client import _event

    def token(station_code, terminal):
        code = centre.cli("terminal", "add", "--station", station_code, "--terminal", terminal)["code"]
        return httpx.post(centre.url + "/api/v1/enroll",
                          json={"code": code, "terminal": terminal, "device": "t"}).json()["token"]

    s02 = token("S02", "003")
    slip = {"transfer_id": "a" * 32, "number": "LZ-S01-20260930-002001-X", "station": "S01",
            "status": "packed", "at": "2026-09-30T10:00:00",
            "items": [{"case_id": "b" * 32, "receipt_no": "R1", "materials": 2, "copies": 2,
                       "state": "pending"}]}
    answers = []
    for seq, (kind, status) in enumerate([("transfer.packed", "packed"), ("transfer.received", "received")], 1):
        answer = httpx.post(centre.url + "/api/v1/events", headers={"Authorization": f"Bearer {s02}"},
                            json={"terminal": "003", "events": [_event(kind, dict(slip, status=status), seq)]})
        answers.append((answer.status_code, answer.json()))
    # Another station's slip, and a signature only the district gives: refused whole (403).
    assert [(code, body["error"]) for code, body in answers] == [(403, "forbidden"), (403, "forbidden")]
    assert "S01" in answers[0][1]["message"]


def test_a_case_change_with_a_bad_date_changes_nothing(ws, clerk, person):
    from workstation.services.sync import client as sync_client
    from workstation.services.sync.incoming import Unusable

    case_id = accept(ws, clerk, Intake(["T-SP"], dict(person), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    before = show(ws, clerk, case_id)["cases"][0]
    change = {"kind": "case", "key": case_id, "origin": {},
              "data": {"status": "approved", "decided_on": "garbage", "due_date": "2026-13-45"}}
    with ws.transaction() as s:
        with pytest.raises(Unusable, match="decided_on"):
            sync_client._apply_case(ws, s, {}, change, set())
        # The pull goes on with the rest of the page and commits: nothing of this
        # change may be left behind in the session.
    after = show(ws, clerk, case_id)["cases"][0]
    assert after["status"] == before["status"] == "accepted"
    assert after["due_date"] == before["due_date"]


def test_pages_captured_at_the_station_are_read_and_checked_at_the_district(
        ws, station, centre, social_approver, enterprise, tmp_path):
    """不见面审批: the station scans a material; the district's approver reads the very
    pages (same bytes, same order, the rotation kept) and marks one defective; the
    station sees the check. A change on either side with unpushed local work on the
    same material is kept as a conflict, not overwritten."""
    from workstation.services import materials

    from .material_samples import colour_page, line_art_page, write

    district = ws
    _enroll(station, centre, "S01", "002")
    _enroll(district, centre, "district", "001")
    zhao = login(station, "zhao", PASSWORD)
    case_id = accept(station, zhao, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    added = materials.add_files(station, zhao, case_id, "M02", [
        write(tmp_path / "licence.jpg", colour_page()), write(tmp_path / "back.png", line_art_page())])
    materials.rotate(station, zhao, case_id, "M02", added["pages"][1]["id"], 90)
    assert sync_once(station)["pending"] == 0

    pulled = sync_once(district)
    assert pulled["conflicts"] == 0, [c["message"]
                                      for c in list_conflicts(district, login(district, "admin", PASSWORD))]
    there = next(m for m in materials.list_materials(district, social_approver, case_id)["materials"]
                 if m["code"] == "M02")
    assert [p["sha256"] for p in there["pages"]] == [p["sha256"] for p in added["pages"]]
    assert [p["rotation"] for p in there["pages"]] == [0, 90]
    for page in there["pages"]:
        assert (Path(district.data_dir) / page["path"]).read_bytes() == \
            (Path(station.data_dir) / page["path"]).read_bytes()
    materials.check(district, social_approver, case_id, "M02", "defective", "营业执照已过期")
    assert sync_once(district)["pending"] == 0

    # The station meanwhile rescans M01 and has not synced: the district's check of
    # M02 still lands; a district change to M01 would not overwrite the unpushed scan.
    materials.add_files(station, zhao, case_id, "M01", [write(tmp_path / "form.png", line_art_page())])
    back = sync_once(station)
    assert back["conflicts"] == 0, [c["message"] for c in list_conflicts(station, login(station, "admin", PASSWORD))]
    m02 = next(m for m in materials.list_materials(station, zhao, case_id)["materials"] if m["code"] == "M02")
    assert (m02["check_state"], m02["check_note"]) == ("defective", "营业执照已过期")
    assert sync_once(district)["conflicts"] == 0
    m01 = next(m for m in materials.list_materials(district, social_approver, case_id)["materials"]
               if m["code"] == "M01")
    assert m01["page_count"] == 1


def test_a_pulled_material_does_not_overwrite_unpushed_pages(ws, clerk, person, tmp_path):
    from workstation.services.sync.incoming import Unusable, apply_material
    from workstation.services import materials

    from .material_samples import line_art_page, write

    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    mine = materials.add_files(ws, clerk, case_id, "M02", [write(tmp_path / "p.png", line_art_page())])
    change = {"kind": "material", "key": f"{case_id}/M02", "origin": {"terminal": "009", "user": "x"},
              "data": {"event": "material.pages", "case_id": case_id, "material": "M02", "pages": []}}
    with ws.transaction() as s:
        with pytest.raises(Unusable, match="尚未上传"):
            apply_material(ws, s, change)
    after = next(m for m in materials.list_materials(ws, clerk, case_id)["materials"] if m["code"] == "M02")
    assert [p["sha256"] for p in after["pages"]] == [p["sha256"] for p in mine["pages"]]
