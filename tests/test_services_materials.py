"""Electronic materials through the services, on a real SQLite file and real page
files: capture from files (every allowed kind, EXIF orientation, PDF pages), hostile
input, the size limit, editing pages, reuse for the same applicant only and only
while valid, checking and the 一次性告知 it feeds, integrity, export, and nothing
half-written when a write fails."""

import io
import json
import os
import sqlite3
from datetime import date, timedelta

import pypdfium2
import pytest
from PIL import Image

from workstation.services.sync.client import _files_of
from workstation.config import Clock
from workstation.services import material_files, materials, page_store
from workstation.services.acceptance import Intake, accept, notify
from workstation.services.auth import login
from workstation.services.errors import NotFound, PermissionDenied
from workstation.services.setup import change_settings

from .conftest import PASSWORD
from .helpers import raises_domain, snapshot
from .material_samples import (colour_page, corrupt_pdf, encrypted_pdf, line_art_page, multipage_tiff,
                               pdf_with_pages, write, zero_page_pdf)

MATERIAL_TABLES = ("page_files", "material_pages", "electronic_materials")


def counts(ws) -> dict:
    with sqlite3.connect(ws.db.path) as conn:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MATERIAL_TABLES}
    return {**snapshot(ws.db.path), **out}


def stored_files(ws) -> list:
    root = ws.data_dir / "materials"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def outbox(ws, kind: str) -> list[dict]:
    with sqlite3.connect(ws.db.path) as conn:
        return [{"kind": k, "payload": json.loads(p)} for k, p in conn.execute(
            "SELECT kind, payload FROM outbox WHERE kind = ? ORDER BY seq", (kind,))]


@pytest.fixture
def case_id(ws, clerk, person):
    return accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]


@pytest.fixture
def files(tmp_path):
    def make(name: str, data: bytes):
        return write(tmp_path / name, data)
    return make


# ---------------------------------------------------------------- capture

def test_files_of_every_kind_become_ordered_pages(ws, clerk, case_id, files):
    paths = [files("a.jpg", colour_page()), files("b.png", line_art_page()),
             files("c.tif", multipage_tiff(3)), files("d.bmp", colour_page(300, 400, fmt="BMP")),
             files("e.webp", colour_page(300, 400, fmt="WEBP")),
             files("f.pdf", pdf_with_pages([(595, 842), (842, 595)]))]
    out = materials.add_files(ws, clerk, case_id, "M02", paths)
    pages = out["pages"]
    assert [p["seq"] for p in pages] == list(range(1, 10)) and out["page_count"] == 9
    assert pages[0]["mime"] == "image/jpeg" and pages[1]["mime"] == "image/png"   # line art: PNG
    assert all(p["source"] == "file" and p["captured_by"] == "clerk" for p in pages)
    for p in pages:
        path = ws.data_dir / p["path"]
        assert p["path"] == f"materials/{p['sha256'][:2]}/{p['sha256']}.{'jpg' if p['mime'] == 'image/jpeg' else 'png'}"
        assert path.stat().st_size == p["size"] and p["file"] == str(path)
        assert Image.open(path).size == (p["width"], p["height"])
    # The PDF's pages at 200 dpi: A4 portrait, then landscape.
    assert (pages[7]["width"], pages[7]["height"], pages[7]["dpi"]) == (1653, 2339, 200)
    assert (pages[8]["width"], pages[8]["height"]) == (2339, 1653)
    listed = materials.list_materials(ws, clerk, case_id)
    m02 = next(m for m in listed["materials"] if m["code"] == "M02")
    assert m02 == out and m02["check_state"] == "unchecked" and m02["valid_until"] == "2027-09-30"
    event = outbox(ws, "material.pages")[-1]
    assert event["payload"]["files"] == list(dict.fromkeys(p["sha256"] for p in pages))
    assert [p["sha256"] for p in event["payload"]["pages"]] == [p["sha256"] for p in pages]
    # Sync uploads exactly these files, from these data-folder paths, before the event.
    assert _files_of(event) == [(p["sha256"], p["path"]) for p in pages]


def test_exif_orientation_is_applied_and_metadata_dropped(ws, clerk, case_id, files):
    # Stored landscape, marker top-left; orientation 6 means "turn 90° clockwise to view".
    out = materials.add_files(ws, clerk, case_id, "M02", [files("cam.jpg", colour_page(600, 400, orientation=6))])
    page = out["pages"][0]
    assert (page["width"], page["height"]) == (400, 600)
    im = Image.open(ws.data_dir / page["path"]).convert("RGB")
    r, g, b = im.getpixel((400 - 20, 10))           # the marker is now top-right
    assert b > 150 and r < 100
    assert 0x0112 not in im.getexif() and 0x010F not in im.getexif()


def test_an_upright_jpeg_is_kept_without_its_metadata(ws, clerk, case_id, files):
    data = colour_page(orientation=1)
    out = materials.add_files(ws, clerk, case_id, "M02", [files("scan.jpg", data)])
    stored = (ws.data_dir / out["pages"][0]["path"]).read_bytes()
    assert stored != data and stored.endswith(data[-2000:])     # same picture data, no re-encoding
    assert b"DocCam" in data and b"DocCam" not in stored
    assert out["pages"][0]["dpi"] == 150


def test_a_high_dpi_scan_is_brought_to_300_dpi(ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("hi.png", colour_page(1200, 1600, dpi=600, fmt="PNG"))])
    p = out["pages"][0]
    assert (p["width"], p["height"], p["dpi"], p["mime"]) == (600, 800, 300, "image/jpeg")


def test_the_same_page_twice_is_one_file(ws, clerk, case_id, files):
    data = colour_page()
    materials.add_files(ws, clerk, case_id, "M02", [files("a.jpg", data), files("b.jpg", data)])
    assert len(stored_files(ws)) == 1 and counts(ws)["material_pages"] == 2


@pytest.mark.parametrize("name,data,message", [
    ("身份证.jpg", "这是一个改了扩展名的文本文件".encode() * 20, "不是可接收的材料文件"),
    ("empty.png", b"", "空文件"),
    ("cut.jpg", colour_page()[:4000], "已损坏或不完整"),
    ("cut.png", line_art_page()[:300], "已损坏或不完整"),
    ("bad.pdf", corrupt_pdf(), "损坏的 PDF"),
    ("locked.pdf", encrypted_pdf(), "加密"),
    ("blank.pdf", zero_page_pdf(), "没有任何页面"),
    ("doc.gif", b"GIF89a" + b"\x00" * 100, "不是可接收的材料文件"),
])
def test_hostile_files_get_a_message_and_change_nothing(ws, clerk, case_id, files, name, data, message):
    before = counts(ws)
    raises_domain(message, materials.add_files, ws, clerk, case_id, "M02", [files(name, data)])
    assert counts(ws) == before and stored_files(ws) == []


def test_a_decompression_bomb_is_refused_before_decoding(ws, clerk, case_id, files):
    import struct
    import zlib

    png = io.BytesIO()
    Image.new("1", (8, 8)).save(png, "PNG")
    data = bytearray(png.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", 60000, 60000) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", 60000, 60000)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    raises_domain("像素数", materials.add_files, ws, clerk, case_id, "M02", [files("bomb.png", bytes(data))])


def test_missing_files_and_folders(ws, clerk, case_id, tmp_path):
    raises_domain("找不到材料文件", materials.add_files, ws, clerk, case_id, "M02", [tmp_path / "nope.jpg"])
    raises_domain("是文件夹", materials.add_files, ws, clerk, case_id, "M02", [tmp_path])
    raises_domain("至少选择一个", materials.add_files, ws, clerk, case_id, "M02", [])


def test_the_300_mb_limit_is_checked_before_reading(ws, clerk, case_id, tmp_path):
    """A sparse file: 301 MB long, no disk used, refused by its size alone."""
    big = tmp_path / "huge.pdf"
    with open(big, "wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(301 * 1024 * 1024)
    before = counts(ws)
    err = raises_domain("过大", materials.add_files, ws, clerk, case_id, "M02", [big])
    assert "300 MB" in str(err)
    assert counts(ws) == before


def test_the_limit_is_a_setting(ws, admin, clerk, case_id, files):
    change_settings(ws, admin, {"material_max_mb": "1"})
    big = files("big.jpg", b"\xff\xd8\xff" + os.urandom(1024 * 1024))    # refused unread
    err = raises_domain("过大", materials.add_files, ws, clerk, case_id, "M02", [big])
    assert "上限为 1 MB" in str(err)
    raises_domain("1–2048", change_settings, ws, admin, {"material_max_mb": "0"})


def test_unknown_case_material_and_permissions(ws, clerk, case_id, files):
    f = files("a.jpg", colour_page(200, 300))
    raises_domain("找不到案件", materials.add_files, ws, clerk, "f" * 32, "M02", [f])
    raises_domain("没有材料编码“M09”", materials.add_files, ws, clerk, case_id, "M09", [f])
    approver = login(ws, "approver", PASSWORD)
    with pytest.raises(PermissionDenied):
        materials.add_files(ws, approver, case_id, "M02", [f])
    station = login(ws, "station", PASSWORD)                   # another station's case: unseen
    with pytest.raises(NotFound):
        materials.add_files(ws, station, case_id, "M02", [f])
    with pytest.raises(NotFound):
        materials.list_materials(ws, station, case_id)
    assert stored_files(ws) == []                              # refused before any decoding


def test_a_receipt_number_of_one_case_names_the_case(ws, clerk, person, files):
    r = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    out = materials.add_files(ws, clerk, r.receipt_no, "M02", [files("a.jpg", colour_page(200, 300))])
    assert out["page_count"] == 1
    assert materials.list_materials(ws, clerk, r.receipt_no)["case_id"] == r.cases[0]["id"]


def test_a_decided_case_keeps_its_pages(ws, clerk, person, files):
    r = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]), approve_now=True)
    raises_domain("案件已准予", materials.add_files, ws, clerk, r.cases[0]["id"], "M02",
                  [files("a.jpg", colour_page(200, 300))])


def test_staging_then_attaching_with_a_source_and_expiry(ws, clerk, case_id):
    seen = []
    staged = materials.stage_bytes(ws, clerk, colour_page(300, 400), "高拍仪第1张", on_page=seen.append)
    assert seen == staged and counts(ws)["material_pages"] == 0         # files only, no rows
    out = materials.attach(ws, clerk, case_id, "M02", staged, source="camera",
                           valid_until=date(2036, 5, 1))
    assert out["pages"][0]["source"] == "camera" and out["valid_until"] == "2036-05-01"
    raises_domain("早于今天", materials.attach, ws, clerk, case_id, "M02", staged,
                  valid_until=date(2026, 1, 1))
    raises_domain("页面来源", materials.attach, ws, clerk, case_id, "M02", staged, source="fax")


def test_cancelling_a_capture_attaches_nothing(ws, clerk, case_id, files):
    with pytest.raises(materials.Cancelled):
        materials.add_files(ws, clerk, case_id, "M02", [files("a.pdf", pdf_with_pages([(595, 842)] * 3))],
                            cancelled=lambda: True)
    assert counts(ws)["material_pages"] == 0


# ---------------------------------------------------------------- editing

def test_reorder_rotate_delete(ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02",
                              [files("a.pdf", pdf_with_pages([(595, 842), (595, 842), (300, 300)]))])
    ids = [p["id"] for p in out["pages"]]
    out = materials.reorder(ws, clerk, case_id, "M02", [ids[2], ids[0], ids[1]])
    assert [p["id"] for p in out["pages"]] == [ids[2], ids[0], ids[1]]
    assert [p["seq"] for p in out["pages"]] == [1, 2, 3]
    raises_domain("恰好包含", materials.reorder, ws, clerk, case_id, "M02", ids[:2])
    out = materials.rotate(ws, clerk, case_id, "M02", ids[0], 90)
    out = materials.rotate(ws, clerk, case_id, "M02", ids[0], 270)
    assert next(p for p in out["pages"] if p["id"] == ids[0])["rotation"] == 0
    out = materials.rotate(ws, clerk, case_id, "M02", ids[0], -90)
    assert next(p for p in out["pages"] if p["id"] == ids[0])["rotation"] == 270
    raises_domain("90 度", materials.rotate, ws, clerk, case_id, "M02", ids[0], 45)
    out = materials.delete_pages(ws, clerk, case_id, "M02", [ids[2]])
    assert [p["id"] for p in out["pages"]] == [ids[0], ids[1]] and [p["seq"] for p in out["pages"]] == [1, 2]
    with pytest.raises(NotFound):
        materials.delete_pages(ws, clerk, case_id, "M02", [99999])
    actions = [e["payload"]["action"] for e in outbox(ws, "material.pages")]
    assert actions == ["add", "reorder", "rotate", "rotate", "rotate", "delete"]
    last = outbox(ws, "material.pages")[-1]["payload"]
    assert [p["sha256"] for p in last["pages"]] == [p["sha256"] for p in out["pages"]]
    assert last["pages"][0]["rotation"] == 270
    with sqlite3.connect(ws.db.path) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE action LIKE 'material.%'")]
    assert actions == ["material.add", "material.reorder", "material.rotate", "material.rotate",
                       "material.rotate", "material.delete"]


# ---------------------------------------------------------------- reuse

def test_reuse_links_the_same_pages_for_the_same_applicant_only(ws, clerk, person, case_id, files):
    first = materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page()),
                                                            files("id2.jpg", colour_page(300, 400))])
    materials.add_files(ws, clerk, case_id, "M01", [files("form.jpg", colour_page(500, 700))])  # not reusable
    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    offered = materials.offers(ws, clerk, second)
    assert [(o["material"], o["case_id"], o["pages"]) for o in offered] == [("M02", case_id, 2)]
    files_before, rows_before = len(stored_files(ws)), counts(ws)["page_files"]
    out = materials.reuse(ws, clerk, second, "M02", offered[0]["source_id"])
    assert [p["sha256"] for p in out["pages"]] == [p["sha256"] for p in first["pages"]]
    assert all(p["source"] == "reuse" for p in out["pages"])
    assert out["reused_from"] == {"case_id": case_id, "material": "M02"}
    assert out["valid_until"] == first["valid_until"]
    assert len(stored_files(ws)) == files_before and counts(ws)["page_files"] == rows_before  # never copied
    assert materials.offers(ws, clerk, second) == []           # the line has its pages now
    raises_domain("已有电子页面", materials.reuse, ws, clerk, second, "M02", offered[0]["source_id"])
    event = outbox(ws, "material.pages")[-1]["payload"]
    assert event["action"] == "reuse" and event["reused_from"] == {"case_id": case_id, "material": "M02"}

    # Another person: nothing offered, and naming the material by its id does not help.
    other = {**person, "name": "李四", "id_number": "440524188001010014"}
    theirs = accept(ws, clerk, Intake(["T-GT"], other, ["M01", "M02"])).cases[0]["id"]
    assert materials.offers(ws, clerk, theirs) == []
    with pytest.raises(NotFound):
        materials.reuse(ws, clerk, theirs, "M02", offered[0]["source_id"])


def test_an_expired_material_is_not_offered(ws, clerk, person, case_id, files):
    materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page())],
                        valid_until=date(2026, 10, 31))          # the ID card's own expiry
    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    [offer] = materials.offers(ws, clerk, second, "M02")
    ws.clock = Clock(date(2026, 11, 2))
    assert materials.offers(ws, clerk, second, "M02") == []
    raises_domain("已过有效期", materials.reuse, ws, clerk, second, "M02", offer["source_id"])


def test_the_default_validity_is_a_setting(ws, admin, clerk, person, case_id, files):
    change_settings(ws, admin, {"material_validity_days": "30"})
    out = materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page())])
    assert out["valid_until"] == (date(2026, 9, 30) + timedelta(days=30)).isoformat()


def test_a_licence_serves_another_matter_of_the_same_enterprise(ws, clerk, enterprise, files):
    food = accept(ws, clerk, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    materials.add_files(ws, clerk, food, "M02", [files("licence.jpg", colour_page())])
    hygiene = accept(ws, clerk, Intake(["T-WS"], dict(enterprise), ["M01", "M02", "M05"])).cases[0]["id"]
    offered = materials.offers(ws, clerk, hygiene)
    assert [(o["material"], o["name"]) for o in offered] == [("M02", "营业执照或主体资格证明")]


def test_a_defective_material_is_not_offered(ws, clerk, person, case_id, files):
    materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page())])
    materials.check(ws, clerk, case_id, "M02", "defective", "身份证复印件模糊")
    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    assert materials.offers(ws, clerk, second) == []


# ---------------------------------------------------------------- checking

def test_who_may_check(ws, clerk, case_id, files, social_approver, enterprise):
    materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page())])
    raises_domain("还没有电子页面", materials.check, ws, clerk, case_id, "M01", "checked")
    out = materials.check(ws, clerk, case_id, "M02", "checked")       # the accepting clerk
    assert (out["check_state"], out["check_label"], out["checked_by"]) == ("checked", "已核验", "clerk")
    for login_name in ("plain", "approver", "boss"):
        with pytest.raises(PermissionDenied):
            materials.check(ws, login(ws, login_name, PASSWORD), case_id, "M02", "checked")
    with pytest.raises(PermissionDenied, match="不在审批员"):       # 商事登记 is not theirs
        materials.check(ws, social_approver, case_id, "M02", "checked")
    food = accept(ws, clerk, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    materials.add_files(ws, clerk, food, "M02", [files("lic.jpg", colour_page(300, 400))])
    out = materials.check(ws, social_approver, food, "M02", "defective", "营业执照已过期")
    assert (out["check_state"], out["check_note"], out["checked_by"]) == ("defective", "营业执照已过期", "min")
    raises_domain("缺陷说明不能为空", materials.check, ws, social_approver, food, "M02", "defective", "")
    [event] = [e for e in outbox(ws, "material.check") if e["payload"]["case_id"] == food]
    assert event["payload"]["state"] == "defective" and event["payload"]["note"] == "营业执照已过期"


def test_changing_pages_undoes_the_check(ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page())])
    materials.check(ws, clerk, case_id, "M02", "checked")
    out = materials.rotate(ws, clerk, case_id, "M02", out["pages"][0]["id"], 90)
    assert out["check_state"] == "unchecked" and out["checked_by"] is None


def test_defects_become_a_deficiency_notice(ws, clerk, enterprise, files):
    food = accept(ws, clerk, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    for code in ("M02", "M03"):
        materials.add_files(ws, clerk, food, code, [files(f"{code}.jpg", colour_page(300, 400))])
    materials.check(ws, clerk, food, "M02", "defective", "营业执照复印件缺少副本页")
    materials.check(ws, clerk, food, "M03", "checked")
    found = materials.deficiencies(ws, clerk, food)
    assert found.defects == {"M02": "营业执照复印件缺少副本页"}
    assert found.received == ["M01", "M03", "M04"]
    [row] = found.supplements
    assert row["name"] == "营业执照或主体资格证明" and row["problem"] == "营业执照复印件缺少副本页" and row["standard"]
    notice = notify(ws, clerk, found.intake())               # the existing 一次性告知 flow
    assert notice.status == "notified"
    assert [d["kind"] for d in notice.documents] == ["一次性告知书"]
    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT code, state, note FROM case_materials WHERE case_id = ?",
                            (notice.cases[0]["id"],)).fetchall()
    assert ("M02", "defective", "营业执照复印件缺少副本页") in rows


# ---------------------------------------------------------------- integrity, export

def test_a_changed_or_missing_page_file_is_reported(ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("a.jpg", colour_page()),
                                                          files("b.png", line_art_page())])
    assert material_files.verify(ws, clerk) == {"checked": 2, "ok": True, "problems": []}
    first, second = (ws.data_dir / p["path"] for p in out["pages"])
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0xFF                        # one byte flipped on disk
    first.write_bytes(bytes(data))
    second.unlink()
    report = material_files.verify(ws, clerk, case_id)
    assert not report["ok"] and report["checked"] == 2
    problems = {p["sha256"]: p["problem"] for p in report["problems"]}
    assert "已被改动" in problems[out["pages"][0]["sha256"]]
    assert "缺失" in problems[out["pages"][1]["sha256"]]
    assert report["problems"][0]["cases"] == [{"case_id": case_id, "material": "M02"}]
    raises_domain("未能导出", material_files.export, ws, clerk, case_id, ws.data_dir.parent / "out")


def test_export_writes_one_pdf_per_material(ws, clerk, case_id, files, tmp_path):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("a.jpg", colour_page(400, 600)),
                                                          files("b.png", line_art_page(400, 600))])
    materials.rotate(ws, clerk, case_id, "M02", out["pages"][0]["id"], 90)
    materials.add_files(ws, clerk, case_id, "M01", [files("c.jpg", colour_page(300, 300))])
    result = material_files.export(ws, clerk, case_id, tmp_path / "导出")
    assert [(f["material"], f["pages"]) for f in result["files"]] == [("M01", 1), ("M02", 2)]
    pdf = pypdfium2.PdfDocument(result["files"][1]["path"])
    w, h = pdf[0].get_size()
    assert len(pdf) == 2 and w > h                      # the turned page is landscape
    pdf.close()
    raises_domain("上级目录不存在", material_files.export, ws, clerk, case_id, tmp_path / "x" / "y")


def test_export_of_a_case_without_pages(ws, clerk, case_id, tmp_path):
    raises_domain("还没有任何电子材料", material_files.export, ws, clerk, case_id, tmp_path / "out")


# ---------------------------------------------------------------- nothing half-written

def test_a_failure_after_the_files_leaves_no_rows_and_the_sweep_removes_the_orphans(
        ws, clerk, case_id, files, monkeypatch):
    before = counts(ws)

    def boom(*args, **kwargs):
        raise RuntimeError("power cut between the files and the rows")

    monkeypatch.setattr(materials.outbox, "append", boom)
    with pytest.raises(RuntimeError):
        materials.add_files(ws, clerk, case_id, "M02", [files("a.jpg", colour_page()),
                                                        files("b.pdf", pdf_with_pages([(595, 842)]))])
    monkeypatch.undo()
    assert counts(ws) == before                          # no page row, no audit, no event
    orphans = stored_files(ws)
    assert len(orphans) == 2
    assert materials.list_materials(ws, clerk, case_id)["materials"][1]["page_count"] == 0
    assert material_files.sweep(ws)["files_removed"] == 0      # within the grace period: kept
    assert material_files.sweep(ws, grace=timedelta(0))["files_removed"] == 2
    assert stored_files(ws) == []


def test_a_full_disk_leaves_nothing(ws, clerk, case_id, files, monkeypatch):
    import errno

    real = os.fsync
    calls = []

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:                              # the second page's file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(page_store.os, "fsync", full)
    before = counts(ws)
    raises_domain("磁盘空间已满", materials.add_files, ws, clerk, case_id, "M02",
                  [files("a.pdf", pdf_with_pages([(595, 842), (595, 842)]))])
    assert counts(ws) == before
    assert not [p for p in stored_files(ws) if p.name.endswith(".tmp")]   # no half file


def test_a_staged_page_whose_file_vanished_is_not_attached(ws, clerk, case_id):
    staged = materials.stage_bytes(ws, clerk, colour_page(300, 400), "p1")
    (ws.data_dir / staged[0].relpath).unlink()
    before = counts(ws)
    raises_domain("已不在磁盘上", materials.attach, ws, clerk, case_id, "M02", staged)
    assert counts(ws) == before


def test_the_sweep_keeps_pages_in_use_and_pages_sync_still_needs(ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("a.jpg", colour_page()),
                                                          files("b.jpg", colour_page(300, 400))])
    materials.delete_pages(ws, clerk, case_id, "M02", [out["pages"][1]["id"]])
    ws.clock = Clock(date(2026, 12, 1))
    assert material_files.sweep(ws, grace=timedelta(0)) == {"files_removed": 0, "rows_removed": 0}
    with sqlite3.connect(ws.db.path) as conn:                  # the centre acknowledged the events
        conn.execute("UPDATE outbox SET acked_at = '2026-12-01 00:00:00.000000'")
    assert material_files.sweep(ws, grace=timedelta(0)) == {"files_removed": 1, "rows_removed": 1}
    assert [p.name.split(".")[0] for p in stored_files(ws)] == [out["pages"][0]["sha256"]]
    assert material_files.verify(ws, clerk)["ok"]
