"""What the electronic materials services return (services.materials and
services.material_files), and the ``material.pages`` event they write: TypedDicts,
like services.results, so that the CLI's JSON keeps its keys in their order while
mypy checks every reader of a field. Dates and times are ISO strings, as printed.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

# ---------------------------------------------------------------- a case's materials


class MaterialRef(TypedDict):
    """A material of a case: where a reused material came from, where a page is used."""

    case_id: str
    material: str


class PageJson(TypedDict):
    """One page of a material; ``file``, its absolute path, for this terminal's callers."""

    id: int
    seq: int
    sha256: str
    mime: str
    size: int
    width: int
    height: int
    dpi: int | None
    rotation: int
    source: str
    captured_by: str
    captured_at: str
    path: str
    file: NotRequired[str]


class MaterialJson(TypedDict):
    """One line of a case's checklist with its pages and its check (the viewer's row)."""

    code: str
    name: str
    form: str
    required: bool
    state: str
    state_label: str
    pages: list[PageJson]
    page_count: int
    check_state: str
    check_label: str
    checked_by: str | None
    checked_at: str | None
    check_note: str
    valid_until: str | None
    reused_from: MaterialRef | None


class ApplicantName(TypedDict):
    name: str
    id_number: str


class CaseMaterials(TypedDict):
    """list_materials: a case and its checklist's materials, in order."""

    case_id: str
    receipt_no: str
    matter_code: str
    matter_name: str
    status: str
    status_label: str
    applicant: ApplicantName
    materials: list[MaterialJson]


# ---------------------------------------------------------------- reuse and defects


class ReuseOffer(TypedDict):
    """A material handed in for an earlier case that may serve this case's line."""

    material: str
    source_id: int
    case_id: str
    receipt_no: str
    name: str
    pages: int
    valid_until: str | None
    check_state: str
    captured_on: str


class Supplement(TypedDict):
    """A row of the 一次性告知书's table."""

    name: str
    problem: str
    standard: str


class DeficienciesJson(TypedDict):
    case_id: str
    matter_code: str
    supplements: list[Supplement]
    defects: dict[str, str]
    received: list[str]


# ---------------------------------------------------------------- the sync event


class EventPage(TypedDict):
    """A page as the ``material.pages`` event carries it (no row id: the centre has none)."""

    sha256: str
    path: str
    mime: str
    size: int
    width: int
    height: int
    dpi: int | None
    rotation: int
    source: str


class MaterialPagesEvent(TypedDict):
    """The ``material.pages`` event: a material's pages as they are after a change."""

    case_id: str
    material: str
    action: str
    pages: list[EventPage]
    files: list[str]
    valid_until: str | None
    reused_from: MaterialRef | None


# ---------------------------------------------------------------- files (material_files)


class ExportedFile(TypedDict):
    material: str
    name: str
    path: str
    pages: int


class Exported(TypedDict):
    out: str
    case_id: str
    receipt_no: str
    files: list[ExportedFile]


class PageProblem(TypedDict):
    """A stored page file missing or no longer matching its SHA-256, and who uses it."""

    sha256: str
    path: str
    problem: str
    cases: list[MaterialRef]


class PagesVerified(TypedDict):
    checked: int
    ok: bool
    problems: list[PageProblem]


class Swept(TypedDict):
    files_removed: int
    rows_removed: int
