"""材料流转 rules, without a database: slip numbers and their check character, the
slip's states, which cases may go on a slip, the receipt outcome and the QR payload."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.domain.errors import DomainError
from workstation.domain.transfer import (
    ALPHABET,
    MAX_ITEMS,
    CaseFacts,
    ItemState,
    TransferStatus,
    check_char,
    check_slip_cases,
    check_transition,
    format_slip_no,
    looks_like_slip_no,
    parse_slip_no,
    parse_slip_qr,
    parse_transfer_status,
    receive_outcome,
    refusal,
    slip_qr_payload,
    slip_station,
)

DAY = date(2026, 9, 30)
RECEIPT = "610102202609300010001"

stations = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=10)
terminals = st.integers(1, 999).map(lambda n: f"{n:03d}")
days = st.dates(date(2000, 1, 1), date(2099, 12, 31))
seqs = st.integers(1, 999)


def test_format_example():
    number = format_slip_no("S01", "001", DAY, 1)
    assert number.startswith("LZ-S01-20260930-001001-")
    assert parse_slip_no(number).seq == 1
    assert parse_slip_no(number.lower()).station == "S01"        # scanner in caps lock
    assert parse_slip_no("ＬＺ" + number[2:]).text == number       # full-width typed


@given(stations, terminals, days, seqs)
def test_numbers_round_trip(station, terminal, day, seq):
    number = format_slip_no(station, terminal, day, seq)
    parsed = parse_slip_no(number)
    assert (parsed.station, parsed.terminal, parsed.day, parsed.seq) == (station, terminal, day, seq)
    assert parsed.text == number and looks_like_slip_no(number)
    assert number.isascii() and len(number) <= 40


@given(stations, terminals, days, seqs, st.data())
def test_every_single_mistyped_character_is_caught(station, terminal, day, seq, data):
    number = format_slip_no(station, terminal, day, seq)
    positions = [i for i, ch in enumerate(number) if ch != "-" and i >= 3]
    i = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from([c for c in ALPHABET if c != number[i]]))
    typo = number[:i] + wrong + number[i + 1:]
    with pytest.raises(DomainError):
        parse_slip_no(typo)


@given(st.tuples(stations, terminals, days, seqs), st.tuples(stations, terminals, days, seqs))
def test_different_slips_never_share_a_number(a, b):
    if a != b:
        assert format_slip_no(*a) != format_slip_no(*b)


@pytest.mark.parametrize("text,fragment", [
    ("", "请输入"), ("   ", "请输入"), (None, "请输入"), (12345, "请输入"),
    ("LZ-S01-20260931-001001-0", "不存在"),
    ("LZ-S01-20260930-000001-0", "不是"),
    ("LZ-S01-20260930-001000-0", "不是"),
    ("LZ-S01-20260930-001001", "不是材料流转单编号"),
    ("LZ-S01-20260930-001001-7" + "7" * 10_000, "不是材料流转单编号"),
    ("LZ-S\u202e01-20260930-001001-7", "不是材料流转单编号"),
    ("610102202609300010001", "不是材料流转单编号"),
])
def test_bad_numbers_are_named(text, fragment):
    with pytest.raises(DomainError, match=fragment):
        parse_slip_no(text)


def test_check_character_matters():
    number = format_slip_no("S01", "001", DAY, 1)
    other = next(c for c in ALPHABET if c != number[-1])
    with pytest.raises(DomainError, match="校验位"):
        parse_slip_no(number[:-1] + other)
    assert check_char("LZS0120260930001001") == number[-1]


@pytest.mark.parametrize("station", ["", "district-1", "社区站", "S" * 11, None, 7, "S 01"])
def test_station_codes_that_cannot_be_numbered(station):
    with pytest.raises(DomainError, match="站点编码"):
        slip_station(station)
    assert slip_station(" s01 ") == "S01"


def test_sequence_and_terminal_limits():
    with pytest.raises(DomainError, match="上限"):
        format_slip_no("S01", "001", DAY, 1000)
    with pytest.raises(DomainError, match="终端"):
        format_slip_no("S01", "000", DAY, 1)
    with pytest.raises(DomainError, match="上限"):
        format_slip_no("S01", "001", DAY, True)


# ---- states -------------------------------------------------------------------------------

def test_the_way_of_a_slip():
    T = TransferStatus
    assert check_transition(T.PACKED, T.SENT) is T.SENT
    assert check_transition(T.SENT, T.RECEIVED) is T.RECEIVED
    assert check_transition(T.SENT, T.DISCREPANCY) is T.DISCREPANCY
    assert check_transition(T.PACKED, T.CANCELLED) is T.CANCELLED
    with pytest.raises(DomainError, match="尚未交接出站"):
        check_transition(T.PACKED, T.RECEIVED)
    with pytest.raises(DomainError, match="已签收，不能重复签收"):
        check_transition(T.RECEIVED, T.RECEIVED)
    with pytest.raises(DomainError, match="签收有差异，不能再签收"):
        check_transition(T.DISCREPANCY, T.RECEIVED)
    with pytest.raises(DomainError, match="不能作废"):
        check_transition(T.SENT, T.CANCELLED)
    assert [s.label for s in T] == ["已打包", "已交接出站", "已签收", "签收有差异", "已作废"]
    assert parse_transfer_status("签收有差异") is T.DISCREPANCY
    with pytest.raises(DomainError, match="未知的流转单状态"):
        parse_transfer_status("lost")


@given(st.lists(st.sampled_from(list(TransferStatus)), max_size=6))
def test_no_path_leaves_a_final_state_or_returns_to_packed(path):
    current = TransferStatus.PACKED
    for target in path:
        try:
            current = check_transition(current, target)
        except DomainError:
            continue
        assert target is not TransferStatus.PACKED
    # Received, discrepancy and cancelled are final; sent only after packed.
    if current in (TransferStatus.RECEIVED, TransferStatus.DISCREPANCY):
        assert TransferStatus.SENT in path


# ---- which cases ----------------------------------------------------------------------------

def facts(**kw):
    base = dict(case_id="c1", receipt_no=RECEIPT, station="S01", status="accepted",
                paper_materials=3)
    return CaseFacts(**{**base, **kw})


@pytest.mark.parametrize("change,fragment", [
    ({"station": "S02"}, "不是本站点受理的"),
    ({"status": "refused"}, "不予受理"),
    ({"status": "notified"}, "一次性告知"),
    ({"status": "withdrawn"}, "撤回"),
    ({"status": "draft"}, "尚未受理"),
    ({"on_slip": "LZ-S01-20260930-001001-J"}, "已列入流转单 LZ-S01-20260930-001001-J"),
    ({"paper_materials": 0}, "没有收取纸质材料"),
])
def test_cases_that_cannot_go_on_a_slip(change, fragment):
    reason = refusal(facts(**change), "S01")
    assert reason and fragment in reason
    with pytest.raises(DomainError, match=fragment):
        check_slip_cases([facts(**change)], "S01")


@pytest.mark.parametrize("status", ["accepted", "tolerated", "reviewing", "approved", "delivered"])
def test_accepted_cases_go(status):
    assert refusal(facts(status=status), "S01") is None


def test_slip_case_list_rules():
    with pytest.raises(DomainError, match="至少"):
        check_slip_cases([], "S01")
    with pytest.raises(DomainError, match="重复"):
        check_slip_cases([facts(), facts()], "S01")
    many = [facts(case_id=f"c{i}") for i in range(MAX_ITEMS + 1)]
    with pytest.raises(DomainError, match=f"最多{MAX_ITEMS}"):
        check_slip_cases(many, "S01")
    assert len(check_slip_cases(many[:MAX_ITEMS], "S01")) == MAX_ITEMS


@given(st.lists(st.sampled_from(["c1", "c2", "c3", "c4"]), unique=True, min_size=1),
       st.data())
def test_receive_outcome(on_slip, data):
    missing = data.draw(st.lists(st.sampled_from(on_slip), unique=True))
    status, states = receive_outcome(on_slip, missing)
    assert set(states) == set(on_slip)
    assert {c for c, s in states.items() if s is ItemState.MISSING} == set(missing)
    assert status is (TransferStatus.DISCREPANCY if missing else TransferStatus.RECEIVED)


def test_missing_case_not_on_the_slip():
    with pytest.raises(DomainError, match="不在这张流转单上"):
        receive_outcome(["c1"], ["c9"])


# ---- QR payload ------------------------------------------------------------------------------

receipts = st.lists(st.integers(10**20, 10**21 - 1).map(str), min_size=1, max_size=MAX_ITEMS,
                    unique=True)


@given(stations, terminals, days, seqs, receipts)
def test_qr_payload_round_trips(station, terminal, day, seq, numbers):
    number = format_slip_no(station, terminal, day, seq)
    payload = slip_qr_payload(number, numbers + numbers[:1])       # repeated once: kept once
    back = parse_slip_qr(payload)
    assert back.slip_no == number and list(back.receipts) == numbers
    # Only the QR code's alphanumeric characters: a phone reads 60 receipts.
    assert set(payload) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_qr_payload_damaged_or_foreign():
    number = format_slip_no("S01", "001", DAY, 1)
    assert parse_slip_qr("https://example.com") is None
    assert parse_slip_qr(RECEIPT) is None
    with pytest.raises(DomainError, match="不完整"):
        parse_slip_qr(f"LZ1/{number}")
    with pytest.raises(DomainError, match="受理编号有误"):
        parse_slip_qr(f"LZ1/{number}/12ab")
    with pytest.raises(DomainError, match="校验位"):
        parse_slip_qr(f"LZ1/{number[:-1]}{'0' if number[-1] != '0' else '1'}/{RECEIPT}")
    with pytest.raises(DomainError, match="不能写入"):
        slip_qr_payload(number, ["王五"])
