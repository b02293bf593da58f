"""材料流转 services: packing a station's cases on a slip, handing it over, the centre
signing for it (all there, or with bundles missing), voiding; who may see and do what;
bad input changing nothing; the scanned slip leading to the transfer."""

import json
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError

from workstation.domain.errors import DomainError
from workstation.domain.transfer import format_slip_no, slip_qr_payload
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept, notify, refuse
from workstation.services.auth import add_user, login
from workstation.services.errors import NotFound
from workstation.services.scanning import understand
from workstation.services.transfers import (cancel, create, list_transfers, pending_cases,
                                            receive, send, show)
from workstation.store.models import MaterialTransferItem

from .conftest import PASSWORD, TODAY
from .helpers import raises_domain, snapshot

SP = ["M01", "M02", "M03", "M04"]


def state(ws) -> dict:
    """The helpers' snapshot, with the transfer tables and every state in them."""
    path = ws.data_dir / "workstation.sqlite3"
    out = snapshot(path)
    with sqlite3.connect(path) as conn:
        for table, cols in (("material_transfers", "number||status||carrier||note"),
                            ("material_transfer_items", "case_id||state||note")):
            out[table] = conn.execute(f"SELECT count(*), group_concat({cols}) FROM {table}").fetchone()
    return out


@pytest.fixture
def station(ws):
    return login(ws, "station", PASSWORD)


@pytest.fixture
def other_station(ws, admin):
    add_user(ws, admin, "s2", "孙丽", "station_clerk", PASSWORD, station="S02")
    return login(ws, "s2", PASSWORD)


def took_in(ws, station, enterprise, n=1) -> list:
    """Cases a station accepted on the district's behalf (委托受理)."""
    return [accept(ws, station, Intake(["T-SP"], enterprise, SP)) for _ in range(n)]


def events(ws, prefix="transfer."):
    with sqlite3.connect(ws.data_dir / "workstation.sqlite3") as conn:
        return [(k, json.loads(p)) for k, p in conn.execute(
            "SELECT kind, payload FROM outbox WHERE kind LIKE ? ORDER BY seq", (prefix + "%",))]


def audits(ws):
    with sqlite3.connect(ws.data_dir / "workstation.sqlite3") as conn:
        return [a for (a,) in conn.execute("SELECT action FROM audit_log WHERE action LIKE 'transfer.%' "
                                           "ORDER BY seq")]


def test_pack_send_receive(ws, station, clerk, enterprise):
    a, b = took_in(ws, station, enterprise, 2)
    assert [p.receipt_no for p in pending_cases(ws, station)] == [a.receipt_no, b.receipt_no]
    slip = create(ws, station, [a.cases[0]["id"], b.receipt_no])
    assert slip["number"].startswith("LZ-S01-20260930-001001-")
    assert slip["status"] == "packed" and slip["status_label"] == "已打包"
    assert slip["cases"] == 2 and slip["materials"] == 8 and slip["created_by_name"] == "赵强"
    assert [i["receipt_no"] for i in slip["items"]] == [a.receipt_no, b.receipt_no]
    assert slip["items"][0]["matter"] == "食品经营许可" and slip["items"][0]["state"] == "pending"
    assert slip["qr"] == f"LZ1/{slip['number']}/{a.receipt_no}+{b.receipt_no}"
    assert pending_cases(ws, station) == []

    sent = send(ws, station, slip["number"].lower(), "  李师傅 ")
    assert sent["status"] == "sent" and sent["carrier"] == "李师傅" and sent["sent_at"]
    done = receive(ws, clerk, slip["number"])
    assert done["status"] == "received" and done["missing"] == 0
    assert {i["state"] for i in done["items"]} == {"received"}
    assert done["received_by_name"] == "王敏"
    assert [k for k, _ in events(ws)] == ["transfer.packed", "transfer.sent", "transfer.received"]
    assert events(ws)[-1][1]["status"] == "received"
    assert audits(ws) == ["transfer.create", "transfer.send", "transfer.receive"]
    # Received: the cases' paper is at the centre, it cannot go again.
    raises_domain("已列入流转单", create, ws, station, [a.receipt_no])
    assert show(ws, station, slip["number"])["status_label"] == "已签收"


def test_receiving_with_bundles_missing(ws, station, clerk, enterprise):
    a, b, c = took_in(ws, station, enterprise, 3)
    slip = create(ws, station, all_pending=True)
    assert slip["cases"] == 3 and slip["remaining"] == 0
    send(ws, station, slip["number"], "李师傅")
    out = receive(ws, clerk, slip["qr"], missing=[b.receipt_no, c.cases[0]["id"].upper()],
                  note="袋中只有一份材料")
    assert out["status"] == "discrepancy" and out["status_label"] == "签收有差异"
    assert out["missing"] == 2 and out["note"] == "袋中只有一份材料"
    states = {i["receipt_no"]: (i["state"], i["note"]) for i in out["items"]}
    assert states[a.receipt_no] == ("received", "")
    assert states[b.receipt_no] == ("missing", "袋中只有一份材料")
    assert events(ws)[-1][1]["missing"] == [b.cases[0]["id"], c.cases[0]["id"]]
    # The missing bundles are still the station's to send: they go on a new slip.
    assert [p.receipt_no for p in pending_cases(ws, station)] == [b.receipt_no, c.receipt_no]
    again = create(ws, station, all_pending=True)
    assert again["number"].startswith("LZ-S01-20260930-001002-") and again["cases"] == 2
    assert [r["status"] for r in list_transfers(ws, clerk)] == ["packed", "discrepancy"]
    assert list_transfers(ws, clerk, "签收有差异")[0]["missing"] == 2


def test_a_missing_note_is_defaulted(ws, station, clerk, enterprise):
    a, b = took_in(ws, station, enterprise, 2)
    slip = create(ws, station, all_pending=True)
    send(ws, station, slip["number"], "李师傅")
    out = receive(ws, clerk, slip["number"], missing=[a.receipt_no])
    assert out["items"][0]["note"] == "签收时未见该案件的材料"


def test_which_cases_can_go(ws, station, enterprise, person):
    refused = refuse(ws, station, Intake(["T-SP"], enterprise, SP), reason="不属于本机关职权范围",
                     basis="《中华人民共和国行政许可法》第三十二条")
    notified = notify(ws, station, Intake(["T-SP"], enterprise, ["M01"]))
    before = state(ws)
    raises_domain("不予受理", create, ws, station, [refused.receipt_no])
    raises_domain("一次性告知", create, ws, station, [notified.receipt_no])
    raises_domain("没有待移交", create, ws, station, all_pending=True)
    assert state(ws) == before
    a, = took_in(ws, station, enterprise)
    assert [p.receipt_no for p in pending_cases(ws, station)] == [a.receipt_no]


def test_a_case_goes_on_one_slip_only(ws, station, enterprise):
    a, b = took_in(ws, station, enterprise, 2)
    first = create(ws, station, [a.receipt_no])
    before = state(ws)
    raises_domain(f"已列入流转单 {first['number']}", create, ws, station, [b.receipt_no, a.receipt_no])
    assert state(ws) == before
    # And the database says so too, whoever writes.
    with pytest.raises(IntegrityError), ws.transaction() as s:
        s.add(MaterialTransferItem(transfer_id=first["id"], seq=9, case_id=a.cases[0]["id"],
                                   receipt_no=a.receipt_no, materials=1, copies=1,
                                   state="pending", note=""))
    assert state(ws) == before


def test_voiding_frees_the_cases(ws, station, enterprise):
    a, = took_in(ws, station, enterprise)
    slip = create(ws, station, [a.receipt_no])
    out = cancel(ws, station, slip["number"], "打错了案件")
    assert out["status"] == "cancelled" and out["items"][0]["state"] == "cancelled"
    again = create(ws, station, [a.receipt_no])
    send(ws, station, again["number"], "李师傅")
    raises_domain("不能作废", cancel, ws, station, again["number"], "晚了")
    assert [k for k, _ in events(ws)][-1] == "transfer.sent"


def test_who_may_do_what(ws, station, other_station, clerk, admin, enterprise):
    a, = took_in(ws, station, enterprise)
    approver = login(ws, "approver", PASSWORD)
    boss = login(ws, "boss", PASSWORD)
    before = state(ws)
    with pytest.raises(PermissionDenied, match="只签收"):
        create(ws, clerk, [a.receipt_no])                   # the centre does not pack
    with pytest.raises(PermissionDenied):
        create(ws, approver, [a.receipt_no])
    with pytest.raises(NotFound):                           # another station's case: not even seen
        create(ws, other_station, [a.receipt_no])
    assert state(ws) == before

    slip = create(ws, station, [a.receipt_no])
    send(ws, station, slip["number"], "李师傅")
    before = state(ws)
    with pytest.raises(NotFound):
        show(ws, other_station, slip["number"])
    assert list_transfers(ws, other_station) == []
    with pytest.raises(PermissionDenied):
        receive(ws, other_station, slip["number"])
    with pytest.raises(PermissionDenied):
        receive(ws, station, slip["number"])               # the sender cannot sign for it
    for actor in (approver, boss, admin):
        with pytest.raises(PermissionDenied):
            receive(ws, actor, slip["number"])
    with pytest.raises(NotFound):
        send(ws, other_station, slip["number"], "王五")
    with pytest.raises(PermissionDenied):
        show(ws, None, slip["number"])
    assert state(ws) == before
    # Those who may look, see it: the centre and the station.
    assert [r["number"] for r in list_transfers(ws, clerk)] == [slip["number"]]
    assert [r["number"] for r in list_transfers(ws, station)] == [slip["number"]]
    assert show(ws, boss, slip["number"])["station"] == "S01"


def test_wrong_empty_huge_and_hostile_input_changes_nothing(ws, station, clerk, enterprise):
    a, b = took_in(ws, station, enterprise, 2)
    slip = create(ws, station, [a.receipt_no])
    packed = create(ws, station, [b.receipt_no])
    send(ws, station, slip["number"], "李师傅")
    before = state(ws)
    bad_creates = [
        (([],), "二者选一"), ((None,), "二者选一"), (("abc",), "请列出"),
        (([""],), "不能为空"), ((["   "],), "不能为空"), (([None],), "不能为空"),
        (([12345],), "应为文字"), ((["a" * 100_000],), "过长"),
        ((["610102\u202e2026"],), "控制字符"), ((["x\ty"],), "制表符"),
        ((["no-such-case"],), "找不到"),
        (([str(i) for i in range(61)],), "最多列出60"),
        (([a.receipt_no, a.receipt_no],), "重复"),
    ]
    for args, fragment in bad_creates:
        raises_domain(fragment, create, ws, station, *args)
    raises_domain("二者选一", create, ws, station, [a.receipt_no], all_pending=True)
    for carrier, fragment in [("", "不能为空"), ("张" * 51, "过长"), ("张\u0000三", "控制字符"),
                              (None, "不能为空")]:
        raises_domain(fragment, send, ws, station, packed["number"], carrier)
    raises_domain("已交接出站，不能重复交接出站", send, ws, station, slip["number"], "李师傅")
    raises_domain("尚未交接出站", receive, ws, clerk, packed["number"])
    for key, fragment in [("", "请输入"), (None, "请输入"), ("LZ-" + "9" * 10_000, "过长"),
                          ("LZ-S01-20260930-001001-Q" if not slip["number"].endswith("Q")
                           else "LZ-S01-20260930-001001-R", "校验位"),
                          ("<script>alert(1)</script>", "不是材料流转单编号"),
                          ("LZ-S01-20260930-001009-" + "0", "")]:
        with pytest.raises(DomainError) as info:
            receive(ws, clerk, key)
        assert fragment in str(info.value)
    raises_domain("不在流转单", receive, ws, clerk, slip["number"], missing=[b.receipt_no])
    raises_domain("请列出", receive, ws, clerk, slip["number"], missing=a.receipt_no)
    raises_domain("最多列出60", receive, ws, clerk, slip["number"], missing=["x"] * 61)
    raises_domain("过长", receive, ws, clerk, slip["number"], missing=[a.receipt_no],
                  note="缺" * 501)
    raises_domain("控制字符", receive, ws, clerk, slip["number"], note="缺\u202e失")
    raises_domain("不一致", receive, ws, clerk, f"LZ1/{slip['number']}/{b.receipt_no}")
    raises_domain("不完整", receive, ws, clerk, f"LZ1/{slip['number']}")
    raises_domain("不能为空", cancel, ws, station, packed["number"], "")
    assert state(ws) == before


def test_scanning_a_slip_leads_to_it(ws, station, other_station, clerk, enterprise):
    a, b = took_in(ws, station, enterprise, 2)
    slip = create(ws, station, all_pending=True)
    by_bar = understand(ws, clerk, slip["number"])
    assert by_bar.kind == "transfer" and by_bar.detail["known"]
    assert by_bar.detail["transfer_no"] == slip["number"] and by_bar.detail["status"] == "packed"
    assert by_bar.detail["receipts"] == [a.receipt_no, b.receipt_no] and not by_bar.opens_case
    by_qr = understand(ws, station, slip["qr"])
    assert by_qr.kind == "transfer" and by_qr.detail["cases"] == 2
    # Another station's clerk learns only what the paper says.
    theirs = understand(ws, other_station, slip["qr"])
    assert theirs.kind == "transfer" and not theirs.detail["known"]
    assert theirs.detail["receipts"] == [a.receipt_no, b.receipt_no] and "status" not in theirs.detail
    # A slip this terminal has never seen (not yet synced): the QR still lists its receipts.
    elsewhere = slip_qr_payload(format_slip_no("S09", "004", TODAY, 7), ["610102202609300040001"])
    result = understand(ws, clerk, elsewhere)
    assert result.kind == "transfer" and not result.detail["known"]
    assert result.detail["receipts"] == ["610102202609300040001"]
    assert "本机没有材料流转单 LZ-S09-20260930-004007-" in result.detail["message"]
    damaged = understand(ws, clerk, slip["number"][:-1] + ("0" if slip["number"][-1] != "0" else "1"))
    assert damaged.kind == "transfer" and not damaged.detail["known"]
    assert understand(ws, clerk, a.receipt_no).kind == "receipt"


def test_a_slip_not_yet_synced_tells_the_district_why_and_changes_nothing(ws, clerk, station):
    """The station handed the paper over while offline: the district's terminal does
    not know the slip yet, and says so in words the clerk can act on."""
    unknown = slip_qr_payload(format_slip_no("S01", "002", TODAY, 9), ["610102202609300020001"])
    before = state(ws)
    with pytest.raises(NotFound) as caught:
        receive(ws, clerk, unknown)
    assert "尚未同步到本机" in str(caught.value) and "保管纸质材料" in str(caught.value)
    assert state(ws) == before
    assert "尚未同步到本机" in understand(ws, clerk, unknown).detail["message"]
    # A station's clerk is told only that the slip is not known here.
    assert "尚未同步" not in understand(ws, station, unknown).detail["message"]
