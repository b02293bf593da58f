"""What a scanned code means: a case to open, a document to verify, an enterprise.

The same reading serves the hand scanner (its text arrives as keystrokes) and
pictures or PDFs (decoded with pyzbar through printing.codes). Every code the
workstation prints leads back to its case: the receipt number (slip barcode,
notices), the progress QR of the receipt slip (a URL carrying the number), a
document's signed QR (``WS1|…``), a waybill and the case id itself. A 材料流转单's
barcode or QR code leads to the transfer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from ..domain.errors import DomainError
from ..domain.licence import parse_licence_qr
from ..domain.mail import parse_waybill
from ..domain.numbering import looks_like_receipt_number
from ..domain.transfer import QR_PREFIX as TRANSFER_QR_PREFIX
from ..domain.transfer import looks_like_slip_no
from ..store.models import Acceptance, Case, Delivery
from .auth import Actor
from .context import Workstation
from .errors import LibraryError

SCAN_FILE_MAX = 50 * 1024 * 1024
TEXT_MAX = 2000


@dataclass(frozen=True)
class ScanResult:
    """One code, read and understood."""

    kind: str                  # receipt | document | waybill | case | transfer | licence | foreign
    text: str
    receipt_no: str = ""
    case_ids: tuple[str, ...] = ()
    detail: Mapping[str, object] = field(default_factory=dict)   # by kind: the slip, the verdict, …

    @property
    def opens_case(self) -> bool:
        return bool(self.receipt_no)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "text": self.text, "receipt_no": self.receipt_no or None,
                "case_ids": list(self.case_ids), **self.detail}


def _receipt_in_url(text: str) -> str | None:
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    for _, value in parse_qsl(parts.query):
        if looks_like_receipt_number(value.upper()):
            return value.upper()
    return None


def _visible(actor: Actor | None, station: str) -> bool:
    return actor is None or actor.can("view_all") or actor.station == station


def _by_receipt(s, actor, receipt_no: str) -> tuple[str, tuple[str, ...]]:
    acc = s.scalar(select(Acceptance).where(Acceptance.receipt_no == receipt_no))
    if acc is None or not _visible(actor, acc.station):
        return "", ()
    return acc.receipt_no, tuple(c.id for c in acc.cases)


def _by_case(s, actor, case_id: str) -> tuple[str, tuple[str, ...]]:
    case = s.get(Case, case_id)
    if case is None:
        return "", ()
    return _by_receipt(s, actor, case.acceptance.receipt_no)


def understand(ws: Workstation, actor: Actor | None, text: str) -> ScanResult:
    """Classify one decoded text and find the case it leads to (if any)."""
    if not isinstance(text, str):
        raise DomainError("扫描内容应为文字")
    raw = text.strip()
    if not raw:
        raise DomainError("扫描内容为空")
    if len(raw) > TEXT_MAX:
        return ScanResult("foreign", raw[:80] + "…", detail={"message": "不是本系统的条码或二维码"})
    up = raw.upper()
    with ws.reading() as s:
        if raw.startswith("WS1|"):
            from .documents import verify_qr_text

            verdict = verify_qr_text(ws, raw)
            signed_for, cases = _by_receipt(s, actor, verdict.receipt_no) if verdict.receipt_no else ("", ())
            return ScanResult("document", raw, signed_for, cases, {"verdict": verdict.to_json()})
        if looks_like_slip_no(raw) or up.startswith(TRANSFER_QR_PREFIX + "/"):
            from .transfers import scanned

            # A 材料流转单's barcode (its number) or QR code (number and receipt numbers).
            return ScanResult("transfer", raw, detail=scanned(s, actor, raw))
        receipt = up if looks_like_receipt_number(up) else _receipt_in_url(raw)
        if receipt:
            found, cases = _by_receipt(s, actor, receipt)
            if found:
                return ScanResult("receipt", raw, found, cases)
        if len(up) == 32 and all(c in "0123456789ABCDEF" for c in up):
            found, cases = _by_case(s, actor, raw.lower())
            if found:
                return ScanResult("case", raw, found, cases)
        try:
            waybill = parse_waybill(up).number
        except DomainError:
            waybill = None
        # A domestic waybill is 13 digits, and a receipt pattern may be all digits too:
        # whichever of the two is on file wins; if neither, say what it looked like.
        if waybill:
            case_id = s.scalar(select(Delivery.case_id).where(Delivery.waybill == waybill))
            found, cases = _by_case(s, actor, case_id) if case_id else ("", ())
            if found or not receipt:
                return ScanResult("waybill", raw, found, cases,
                                  {"waybill": waybill} if found else
                                  {"waybill": waybill, "message": f"本机没有运单号为 {waybill} 的邮件"})
        if receipt:
            return ScanResult("receipt", raw, "", (), {"message": f"本机没有受理编号为 {receipt} 的案件"})
    licence = parse_licence_qr(raw)
    if licence is not None:
        return ScanResult("licence", raw, detail={"credit_code": licence.credit_code,
                                                  "name": licence.name})
    return ScanResult("foreign", raw[:200], detail={"message": "不是本系统的条码或二维码"})


def scan_file(ws: Workstation, actor: Actor | None, path: str | Path) -> list[ScanResult]:
    """Every code in a picture or PDF, understood. A file that is no picture, or
    one with no code at all, is an error with a plain message."""
    from printing.codes import decode_codes

    from ..shared.files import read_input

    path = Path(path)
    data = read_input(path, max_bytes=SCAN_FILE_MAX)
    try:
        codes = decode_codes(data)
    except LibraryError as exc:
        raise DomainError(f"{path.name}：{exc}") from None
    if not codes:
        raise DomainError(f"{path.name} 中没有找到条码或二维码")
    return [understand(ws, actor, c["data"]) for c in codes]
