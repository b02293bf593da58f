"""The electronic materials' typed results (workstation/services/material_results.py)
name the keys the services return, in the order the CLI prints them (`material … --json`):
a TypedDict that drifts from its service fails here rather than in a script."""

import json
import sqlite3
from datetime import timedelta

from workstation.services import material_files, materials
from workstation.services import material_results as shapes
from workstation.services.acceptance import Intake, accept

from .material_samples import colour_page, write


def keys(shape) -> list[str]:
    return list(shape.__annotations__)


def test_a_case_materials_pages_and_their_event_have_the_keys_of_their_types(ws, clerk, person,
                                                                              tmp_path):
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    added = materials.add_files(ws, clerk, case_id, "M02", [write(tmp_path / "id.jpg", colour_page())])
    assert list(added) == keys(shapes.MaterialJson)
    assert list(added["pages"][0]) == keys(shapes.PageJson)      # `file` included: an absolute path
    listed = materials.list_materials(ws, clerk, case_id)
    assert list(listed) == keys(shapes.CaseMaterials)
    assert list(listed["applicant"]) == keys(shapes.ApplicantName)
    assert listed["materials"]
    assert all(list(m) == keys(shapes.MaterialJson) for m in listed["materials"])
    with sqlite3.connect(ws.db.path) as conn:
        (payload,) = conn.execute("SELECT payload FROM outbox WHERE kind = 'material.pages'").fetchone()
    event = json.loads(payload)                 # stored canonical: its keys sorted
    assert sorted(event) == sorted(keys(shapes.MaterialPagesEvent))
    assert sorted(event["pages"][0]) == sorted(keys(shapes.EventPage))

    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    [offer] = materials.offers(ws, clerk, second)
    assert list(offer) == keys(shapes.ReuseOffer)
    reused = materials.reuse(ws, clerk, second, "M02", offer["source_id"])
    assert reused["reused_from"] is not None
    assert list(reused["reused_from"]) == keys(shapes.MaterialRef)


def test_deficiencies_and_the_files_results_have_the_keys_of_their_types(ws, clerk, person,
                                                                         tmp_path):
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    out = materials.add_files(ws, clerk, case_id, "M02", [write(tmp_path / "id.jpg", colour_page())])
    checked = materials.check(ws, clerk, case_id, "M02", "defective", "复印件不清晰")
    assert list(checked) == keys(shapes.MaterialJson)
    found = materials.deficiencies(ws, clerk, case_id).to_json()
    assert list(found) == keys(shapes.DeficienciesJson)
    assert [list(s) for s in found["supplements"]] == [keys(shapes.Supplement)]

    exported = material_files.export(ws, clerk, case_id, tmp_path / "out")
    assert list(exported) == keys(shapes.Exported)
    assert [list(f) for f in exported["files"]] == [keys(shapes.ExportedFile)]
    (ws.data_dir / out["pages"][0]["path"]).unlink()
    report = material_files.verify(ws, clerk)
    assert list(report) == keys(shapes.PagesVerified)
    [problem] = report["problems"]
    assert list(problem) == keys(shapes.PageProblem)
    assert [list(c) for c in problem["cases"]] == [keys(shapes.MaterialRef)]
    assert list(material_files.sweep(ws, grace=timedelta(0))) == keys(shapes.Swept)
