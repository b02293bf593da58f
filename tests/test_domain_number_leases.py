"""Choosing the next 文号 from leased blocks and the terminal's offline range: pure
rules, tried on many generated cases (hypothesis), against the centre's own block
rule (sync.central.numbers.block_from, pure Python as well)."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.central.numbers import block_from
from workstation.domain.errors import DomainError
from workstation.domain.numbering import (DEFAULT_DOCNO_PATTERN, Block, check_lease, choose_block,
                                          format_document_number, in_offline_range, leased_left,
                                          offline_block)


def _offline(terminal: int) -> Block:
    first, last = offline_block(f"{terminal:03d}")
    return Block(first, last, first, "offline")


@st.composite
def blocks(draw):
    """Disjoint leased blocks (as the centre gives them, partly used) and maybe the
    terminal's offline range (partly used)."""
    terminal = draw(st.integers(1, 999))
    out, start = [], 1
    for _ in range(draw(st.integers(0, 5))):
        first, last = block_from(start + draw(st.integers(0, 300)), draw(st.integers(1, 200)))
        used = draw(st.integers(0, last - first + 1))
        out.append(Block(first, last, first + used, "lease"))
        start = last + 1
    if draw(st.booleans()):
        b = _offline(terminal)
        out.append(Block(b.first, b.last, b.first + draw(st.sampled_from([0, 1, 500, 99_999])), "offline"))
    return draw(st.permutations(out))


@given(blocks())
def test_the_lowest_lease_with_numbers_left_comes_first_then_the_offline_range(held):
    chosen = choose_block(held)
    leases = [b for b in held if b.source == "lease" and b.left]
    offline = [b for b in held if b.source == "offline" and b.left]
    if leases:
        assert held[chosen] == min(leases, key=lambda b: b.first)
    elif offline:
        assert held[chosen] is offline[0]
    else:
        assert chosen is None
    assert leased_left(held) == sum(b.left for b in leases)


def _issue(held: list[Block]) -> int | None:
    """What next_document_no does with the rows: take held[chosen].next, move it on."""
    i = choose_block(held)
    if i is None:
        return None
    b = held[i]
    held[i] = Block(b.first, b.last, b.next + 1, b.source)
    return b.next


@given(blocks(), st.integers(0, 400))
def test_issued_numbers_are_distinct_inside_their_blocks_and_leases_go_first(held, count):
    held = list(held)
    spans = [(b.first, b.last, b.source) for b in held]
    left = {"lease": sum(b.left for b in held if b.source == "lease")}
    issued = [n for n in (_issue(held) for _ in range(count)) if n is not None]
    assert len(issued) == len(set(issued))
    for k, n in enumerate(issued):
        source = next(s for lo, hi, s in spans if lo <= n <= hi)
        assert source == ("lease" if k < left["lease"] else "offline")


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["lease", "issue", "down"]), st.integers(0, 2),
                          st.integers(1, 300)), max_size=80),
       st.sampled_from([1, 100_000 - 150, 99_999_700]))
def test_terminals_leasing_from_one_centre_never_issue_the_same_number(steps, start):
    """Three terminals lease from one simulated centre (its counter and block rule), issue
    numbers, and lose the network now and then: no number is ever issued twice, a leased
    number is never in anyone's offline range, and an offline one is in its own."""
    counter = {"next": start}
    terminals = {t: [] for t in (1, 2, 999)}
    issued: dict[int, int] = {}
    online = True
    for op, who, size in steps:
        t = list(terminals)[who]
        if op == "down":
            online = not online
        elif op == "lease" and online:
            first, last = block_from(counter["next"], size)
            counter["next"] = last + 1
            check_lease(first, last, size, [(b.first, b.last) for b in terminals[t]])
            terminals[t].append(Block(first, last, first, "lease"))
        else:
            n = _issue(terminals[t])
            if n is None:                   # what next_document_no does: open the offline range
                terminals[t].append(_offline(t))
                n = _issue(terminals[t])
            assert n not in issued, (n, t, issued[n])
            issued[n] = t
    for n, t in issued.items():
        lo, hi = offline_block(f"{t:03d}")
        assert lo <= n <= hi or not in_offline_range(n, n)


@given(st.integers(1, 120_000_000), st.integers(0, 400_000))
def test_offline_range_test_agrees_with_the_definition(first, width):
    last = first + width

    def reserved(n):
        t, rest = divmod(n, 100_000)
        return 1 <= t <= 999 and rest != 0

    # Checking both ends and every multiple of 100000 between them is the definition.
    probes = {first, last} | {m + d for m in range((first // 100_000) * 100_000, last + 1, 100_000)
                              for d in (0, 1, 99_999) if first <= m + d <= last}
    assert in_offline_range(first, last) == any(reserved(n) for n in probes)


@given(st.integers(1, 120_000_000), st.integers(1, 10_000))
def test_every_block_the_centre_gives_passes_the_terminals_check(start, size):
    first, last = block_from(start, size)
    assert check_lease(first, last, size) == (first, last)


@pytest.mark.parametrize("first,last,held,fragment", [
    (None, 5, [], "无法识别"), ("1", "5", [], "无法识别"), (True, 5, [], "无法识别"),
    (0, 5, [], "无法识别"), (9, 5, [], "无法识别"), (1, 101, [], "无法识别"),
    (100_001, 100_050, [], "离线号段"), (99_990, 100_001, [], "离线号段"),
    (10, 20, [(15, 30)], "重叠"),
])
def test_a_block_not_to_trust_is_refused(first, last, held, fragment):
    with pytest.raises(DomainError, match=fragment):
        check_lease(first, last, 100, held)


@given(st.one_of(st.integers(1, 100_000), st.integers(100_001, 99_999_999), st.integers(100_000_000, 10**9)))
def test_numbers_keep_their_format(seq):
    text = format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "不许", 2026, seq)
    match = re.fullmatch(r"新城审不许字〔2026〕第(\d{5,})号", text)
    assert match and int(match.group(1)) == seq
    assert format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "受", 2026, 7) == "新城审受字〔2026〕第00007号"
