"""From what the services recorded to what the printer draws: mailing labels,
the courier's manifest (PDF or xlsx) and the 80 mm receipt slip.

The layouts (printing.items) know nothing of cases; this module fills them
from service records and settings, and writes the file. Drawing the PDF needs
Qt (printing.render); callers run it off the GUI thread.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from printing.items import LabelData, ManifestData, ManifestRow, SlipData
from printing.layout import LABEL_100x150, LABEL_76x130, LABEL_100x180

from ..domain.errors import DomainError
from .delivery import MailRecord
from .errors import library_errors
from .settings import Settings

LABEL_SIZES = {"100x150": LABEL_100x150, "76x130": LABEL_76x130, "100x180": LABEL_100x180}


def _address(r: MailRecord) -> str:
    return f"{r.province}{r.city if r.city != r.province else ''}{r.district}{r.address_detail}"


def label_data(r: MailRecord, settings: Settings) -> LabelData:
    return LabelData(
        waybill=r.waybill, recipient_name=r.recipient_name, recipient_phone=r.phone,
        recipient_address=_address(r),
        destination=" ".join(p for p in dict.fromkeys((r.province, r.city, r.district)) if p),
        postcode=r.postcode, sender_name=settings.authority, sender_phone=settings.sender_phone,
        sender_address=settings.sender_address, contents=r.contents, receipt_no=r.receipt_no)


def manifest_data(records: list[MailRecord], settings: Settings, day: date) -> ManifestData:
    return ManifestData(organ=settings.authority, date=day, rows=tuple(
        ManifestRow(waybill=r.waybill, recipient_name=r.recipient_name, recipient_phone=r.phone,
                    recipient_address=_address(r), postcode=r.postcode, receipt_no=r.receipt_no)
        for r in records))


@library_errors()
def write_labels(records: list[MailRecord], settings: Settings, path: Path,
                 size: str = "100x150") -> None:
    from printing.items import mail_label
    from printing.render import render_pdf

    if size not in LABEL_SIZES:
        raise DomainError(f"面单尺寸只能是 {'、'.join(LABEL_SIZES)}")
    render_pdf([mail_label(label_data(r, settings), LABEL_SIZES[size]) for r in records], path)


@library_errors()
def write_manifest(records: list[MailRecord], settings: Settings, day: date, path: Path) -> None:
    data = manifest_data(records, settings, day)
    if Path(path).suffix.lower() == ".xlsx":
        from printing.xlsx import manifest_xlsx

        manifest_xlsx(data, path)
        return
    from printing.items import manifest_pages
    from printing.render import render_pdf

    render_pdf(manifest_pages(data), path)


def slip_data(acceptance: dict, settings: Settings, clerk_name: str) -> SlipData:
    """The receipt slip of one acceptance (`cases.show`'s shape)."""
    receipt = acceptance["receipt_no"]
    dues = [c["due_date"] for c in acceptance["cases"] if c.get("due_date")]
    return SlipData(
        organ=settings.authority, receipt_no=receipt, applicant=acceptance["applicant"]["name"],
        matters=tuple(c["matter_name"] for c in acceptance["cases"]),
        received_at=(acceptance.get("created_at") or acceptance["received_on"]).replace("T", " "),
        promised_date=max(dues) if dues else "—", clerk=clerk_name,
        progress_qr=settings.progress_url(receipt), rating_qr=settings.rating_url(receipt),
        hotline=settings.complaint_phone)


@library_errors()
def write_slip(acceptance: dict, settings: Settings, clerk_name: str, path: Path) -> None:
    from printing.items import receipt_slip
    from printing.render import render_pdf

    render_pdf([receipt_slip(slip_data(acceptance, settings, clerk_name))], path)


def transfer_slip_data(detail: dict, settings: Settings):
    """The 材料流转单 of one slip (`transfers.show`'s shape)."""
    from printing.transfer_slip import TransferSlipData, TransferSlipRow

    return TransferSlipData(
        organ=settings.authority, number=detail["number"], station=detail["station"],
        created_at=detail["created_at"].replace("T", " ")[:16],
        packed_by=detail["created_by_name"], qr_payload=detail["qr"], carrier=detail["carrier"] or "",
        rows=tuple(TransferSlipRow(i["receipt_no"], i["matter"], i["applicant"], i["materials"],
                                   i["copies"]) for i in detail["items"]))


@library_errors()
def transfer_slip_pages(detail: dict, settings: Settings) -> list:
    from printing.transfer_slip import transfer_slip_pages as pages

    return pages(transfer_slip_data(detail, settings))


@library_errors()
def write_transfer_slip(detail: dict, settings: Settings, path: Path) -> None:
    write_pages(transfer_slip_pages(detail, settings), path)


@library_errors()
def write_pages(pages: list, path: Path) -> None:
    """Draw pages already laid out (the CLI counts a slip's pages before it writes them)."""
    from printing.render import render_pdf

    render_pdf(pages, path)


@library_errors()
def document_pdf(path: str | Path, out_dir: Path) -> Path:
    """A signed document converted to PDF by LibreOffice, for the print preview."""
    from printing.convert import to_pdf

    return to_pdf(path, out_dir)
