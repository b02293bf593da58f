"""The output window's commands: deliver, delivered, label, manifest, scan — their
options, JSON fields and exit codes, with wrong, empty, huge and hostile input."""

import io
import json
from pathlib import Path

from PIL import Image

from printing.codes import code128_png, decode_codes, qr_png
from workstation.domain.identity import make_credit_code
from workstation.domain.mail import make_s10

from .helpers import snapshot
from .cli_support import cli, db_path, env, files, ok, ok_json, run, template, write_json  # noqa: F401

ADDRESS = {"name": "张伟", "phone": "13800138000", "address": "陕西省西安市新城区解放路1号",
           "postcode": "710004"}


def on_spot(capsys, files) -> dict:
    return ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                   files / "person.json", "--received", "M01,M02", "--approve-now")


def test_pickup_by_the_applicant(capsys, files):
    case = on_spot(capsys, files)["case_ids"][0]
    out = ok_json(capsys, "deliver", "--user", "clerk", case, "--pickup",
                  "--collector-id", "11010519491231002x")
    assert out["status"] == "delivered" and out["collector_role"] == "applicant"
    assert out["document"]["path"].endswith(".docx")
    code, _, _ = run(capsys, "verify", out["document"]["path"])
    assert code == 0


def test_mail_label_manifest_delivered(capsys, files, tmp_path):
    case = on_spot(capsys, files)["case_ids"][0]
    address = write_json(tmp_path / "addr.json", ADDRESS)
    waybill = make_s10(20260930)
    out = ok_json(capsys, "deliver", "--user", "clerk", case, "--mail", "--waybill", waybill,
                  "--address-file", address)
    assert out == {"case_id": case, "status": "awaiting_delivery", "waybill": waybill,
                   "address": "陕西省西安市新城区解放路1号", "postcode": "710004"}
    label = ok_json(capsys, "label", "--user", "clerk", case, "--out", tmp_path / "l.pdf")
    assert label["labels"] == 1 and label["waybills"] == [waybill]
    pdf = (tmp_path / "l.pdf").read_bytes()
    assert [c["data"] for c in decode_codes(pdf) if c["data"] == waybill] == [waybill]
    listed = ok_json(capsys, "manifest", "--user", "clerk", "--date", "2026-09-30",
                     "--out", tmp_path / "m.xlsx")
    assert listed["count"] == 1 and listed["waybills"] == [waybill]
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(tmp_path / "m.xlsx").active.iter_rows() for c in row]
    assert waybill in cells
    ok_json(capsys, "manifest", "--user", "clerk", "--date", "2026-09-30", "--out", tmp_path / "m.pdf")
    assert (tmp_path / "m.pdf").read_bytes()[:5] == b"%PDF-"
    done = ok_json(capsys, "delivered", "--user", "clerk", waybill)
    assert done["status"] == "delivered"


def test_bad_deliveries_exit_2_and_change_nothing(capsys, files, tmp_path):
    case = on_spot(capsys, files)["case_ids"][0]
    good = write_json(tmp_path / "addr.json", ADDRESS)
    no_district = write_json(tmp_path / "a1.json", dict(ADDRESS, address="陕西省西安市东五路8号"))
    ten_digits = write_json(tmp_path / "a2.json", dict(ADDRESS, phone="1380013800"))
    long_name = write_json(tmp_path / "a3.json", dict(ADDRESS, name="张" * 100_000))
    huge = write_json(tmp_path / "a6.json", dict(ADDRESS, address="张" * 400_000))
    hostile = write_json(tmp_path / "a4.json", dict(ADDRESS, name="张\u202e伟"))
    not_json = tmp_path / "a5.json"
    not_json.write_text("{name:", encoding="utf-8")
    waybill = make_s10(7)
    wrong_check = waybill[:10] + str((int(waybill[10]) + 1) % 10) + waybill[11:]
    before = snapshot(db_path(files / "data"))
    cases = [
        (("--pickup", "--collector-id", "610102199005171232"), "均不符"),
        (("--pickup",), "--collector-id"),
        (("--pickup", "--mail"), "之一"),
        ((), "之一"),
        (("--mail", "--waybill", waybill), "同时给出"),
        (("--mail", "--waybill", wrong_check, "--address-file", good), "校验"),
        (("--mail", "--waybill", "", "--address-file", good), "不能为空"),
        (("--mail", "--waybill", waybill, "--address-file", no_district), "区县"),
        (("--mail", "--waybill", waybill, "--address-file", ten_digits), "10"),
        (("--mail", "--waybill", waybill, "--address-file", long_name), "过长"),
        (("--mail", "--waybill", waybill, "--address-file", huge), "过大"),
        (("--mail", "--waybill", waybill, "--address-file", hostile), "控制字符"),
        (("--mail", "--waybill", waybill, "--address-file", not_json), "JSON"),
        (("--mail", "--waybill", waybill, "--address-file", tmp_path / "none.json"), "找不到"),
    ]
    for extra, fragment in cases:
        code, out, err = run(capsys, "deliver", "--user", "clerk", case, *extra)
        assert code == 2, (extra, out, err)
        assert fragment in err, (extra, err)
    code, _, err = run(capsys, "deliver", "--user", "clerk", "0" * 32, "--pickup", "--collector-id",
                       "11010519491231002X")
    assert code == 2 and "找不到案件" in err
    assert snapshot(db_path(files / "data")) == before


def test_label_and_manifest_bad_input(capsys, files, tmp_path):
    case = on_spot(capsys, files)["case_ids"][0]
    for argv, fragment in [
        (("label", case, "--out", tmp_path / "x.pdf"), "还没有登记邮寄"),
        (("label", case, "--out", tmp_path / "x.png"), ".pdf"),
        (("label", case, "--out", tmp_path / "no" / "x.pdf"), "输出目录不存在"),
        (("manifest", "--date", "2026-13-01", "--out", tmp_path / "m.pdf"), "YYYY-MM-DD"),
        (("manifest", "--date", "2026-09-30", "--out", tmp_path / "m.doc"), ".xlsx"),
    ]:
        code, _, err = run(capsys, *argv, "--user", "clerk")
        assert code == 2 and fragment in err, (argv, err)
    empty = ok_json(capsys, "manifest", "--user", "clerk", "--date", "2026-01-01", "--out", tmp_path / "e.pdf")
    assert empty["count"] == 0 and (tmp_path / "e.pdf").exists()


def _png(data: bytes, path: Path, angle: float = 0) -> Path:
    im = Image.open(io.BytesIO(data)).convert("L")
    canvas = Image.new("L", (im.width + 200, im.height + 200), 255)
    canvas.paste(im, (100, 100))
    if angle:
        canvas = canvas.rotate(angle, expand=True, fillcolor=255)
    canvas.save(path)
    return path


def test_scan_opens_the_case_from_a_receipt_barcode(capsys, files, tmp_path):
    receipt = on_spot(capsys, files)["receipt_no"]
    image = _png(code128_png(receipt), tmp_path / "slip.png", angle=7)
    out = ok_json(capsys, "scan", image)
    assert out["found"] and out["receipt_no"] == receipt
    assert out["codes"][0]["kind"] == "receipt" and len(out["codes"][0]["case_ids"]) == 1
    # the slip's progress QR carries the receipt number in a URL
    url = _png(qr_png(f"https://zwfw.example.gov.cn/progress?no={receipt}"), tmp_path / "qr.png")
    assert ok_json(capsys, "scan", url)["receipt_no"] == receipt


def test_scan_a_business_licence(capsys, files, tmp_path):
    code = make_credit_code("610102", "MA6X00017")
    image = _png(qr_png(f"http://www.gsxt.gov.cn/index.html?uniscid={code}"), tmp_path / "lic.png")
    out = ok_json(capsys, "scan", image)
    assert out["codes"][0]["kind"] == "licence" and out["codes"][0]["credit_code"] == code


def test_scan_bad_input(capsys, files, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    blank = tmp_path / "blank.png"
    Image.new("L", (400, 300), 255).save(blank)
    foreign = _png(qr_png("https://example.com/some/other/system"), tmp_path / "foreign.png")
    pdf = tmp_path / "empty.pdf"
    Image.new("RGB", (600, 800), "white").save(pdf, format="PDF")
    code, _, err = run(capsys, "scan", text)
    assert code == 2 and "无法识别" in err
    code, _, err = run(capsys, "scan", blank)
    assert code == 2 and "没有找到条码或二维码" in err
    code, _, err = run(capsys, "scan", pdf)
    assert code == 2 and "没有找到条码或二维码" in err
    code, _, err = run(capsys, "scan", tmp_path / "missing.png")
    assert code == 2 and "找不到文件" in err
    code, out, _ = run(capsys, "scan", foreign, "--json")
    assert code == 3 and json.loads(out)["codes"][0]["kind"] == "foreign"


def test_settings_for_labels_and_slips(capsys, files):
    out = ok_json(capsys, "settings", "set", "sender_address=西安市新城区东五路1号",
                  "sender_phone=029-87654321", "--user", "admin")
    assert out["sender_address"] == "西安市新城区东五路1号" and out["sender_phone"] == "029-87654321"
    assert ok_json(capsys, "settings", "list")["sender_address"] == "西安市新城区东五路1号"
    before = snapshot(db_path(files / "data"))
    for argv, fragment in [
        (("sender_phone=12", "--user", "admin"), "电话"),
        (("terminal=002", "--user", "admin"), "只能在初始化时"),
        (("nonsense=1", "--user", "admin"), "未知设置项"),
        (("progress_url=ftp://x/{receipt}", "--user", "admin"), "http"),
        (("sender_address", "--user", "admin"), "KEY=VALUE"),
        (("sender_address=" + "路" * 500, "--user", "admin"), "过长"),
        (("sender_address=西安", "--user", "clerk"), "权限"),
    ]:
        code, _, err = run(capsys, "settings", "set", *argv)
        assert code == 2 and fragment in err, (argv, err)
    assert snapshot(db_path(files / "data")) == before
