"""Electronic materials reach the centre: a real central server process on loopback,
backed by a real PostgreSQL. The page files go up content-addressed before the events
that name them (the centre would answer `retry` otherwise), and reused pages, being
the same files, go up once."""

import hashlib
import sqlite3


from workstation.services.sync.client import enroll, sync_once
from workstation.services import materials
from workstation.services.acceptance import Intake, accept

from .material_samples import colour_page, line_art_page, pdf_with_pages, write
from .test_sync_client import centre  # noqa: F401  (the fixture)


def _held_by_centre(centre, sha: str) -> bytes | None:
    path = centre.files / sha[:2] / sha
    return path.read_bytes() if path.exists() else None


def test_pages_reach_the_centre_before_their_events(ws, admin, clerk, person, centre, tmp_path):
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", "001")["code"]
    enroll(ws, admin, centre.url, code)
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    added = materials.add_files(ws, clerk, case_id, "M02", [
        write(tmp_path / "a.jpg", colour_page()), write(tmp_path / "b.png", line_art_page()),
        write(tmp_path / "c.pdf", pdf_with_pages([(595, 842)]))])
    materials.rotate(ws, clerk, case_id, "M02", added["pages"][0]["id"], 90)
    materials.check(ws, clerk, case_id, "M02", "checked")
    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    [offer] = materials.offers(ws, clerk, second)
    materials.reuse(ws, clerk, second, "M02", offer["source_id"])

    out = sync_once(ws)
    assert out["pending"] == 0, out
    assert out["pushed"]["conflict"] == 0 and out["pushed"].get("retry", 0) == 0, out["pushed"]
    for page in added["pages"]:                   # every page, byte for byte
        data = _held_by_centre(centre, page["sha256"])
        assert data is not None and hashlib.sha256(data).hexdigest() == page["sha256"]
        assert data == (ws.data_dir / page["path"]).read_bytes()
    with sqlite3.connect(ws.db.path) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox WHERE kind LIKE 'material.%' ORDER BY seq")]
    assert kinds == ["material.pages", "material.pages", "material.check", "material.pages"]
    assert len(centre.cases()) == 2
