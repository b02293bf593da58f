"""Issue 16, finding 7 (the audit part): applicants' ID numbers and credit codes are
never written to the audit log, which is append-only and so could never forget them.
A day's work at the counter, the back office and the output window, then every
audit row scanned."""

import json
import sqlite3
from datetime import date

from workstation.domain.identity import make_id_number
from workstation.domain.mail import make_s10, parse_mail_address
from workstation.services import audit
from workstation.services.acceptance import Intake, accept, notify
from workstation.services.applicants import set_ineligible
from workstation.services.approval import decide
from workstation.services.delivery import mail, mark_delivered, pickup
from workstation.services.seals import SealVault

REP_ID = make_id_number("610103", date(1975, 1, 2), 45)
# Another person, to show every ID number of the day is kept out of the log.
OTHER_ID = make_id_number("610102", date(1980, 1, 1), 5)
ADDRESS = {"name": "李娜", "phone": "13912345678", "address": "陕西省西安市新城区东五路8号",
           "postcode": "710004"}


def test_a_days_work_leaves_no_id_number_in_the_audit_log(ws, clerk, admin, social_approver, person,
                                                          enterprise):
    numbers = {person["id_number"], enterprise["credit_code"], REP_ID, OTHER_ID}
    other = dict(person, name="李明", id_number=OTHER_ID)
    with_rep = dict(enterprise, legal_rep_id=REP_ID)
    spot = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True).cases[0]["id"]
    mailed = accept(ws, clerk, Intake(["T-SP"], with_rep, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    notify(ws, clerk, Intake(["T-SP"], with_rep, ["M01", "M02"]))
    accept(ws, clerk, Intake(["T-GT"], other, ["M01", "M02"]))
    decide(ws, social_approver, mailed, "approve", SealVault())
    pickup(ws, clerk, spot, person["id_number"], SealVault())
    waybill = make_s10(12345678)
    mail(ws, clerk, mailed, waybill, parse_mail_address(ADDRESS))
    mark_delivered(ws, clerk, mailed)
    set_ineligible(ws, admin, OTHER_ID, "虚假承诺")

    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT seq, action, target, detail FROM audit_log").fetchall()
    conn.close()
    actions = {action for _, action, _, _ in rows}
    assert {"acceptance.accepted", "acceptance.notified", "case.approve", "case.pickup", "case.mail",
            "case.delivered", "applicant.flag", "document.sign"} <= actions, actions
    for seq, action, target, detail in rows:
        text = f"{target} {detail}".upper()
        found = [n for n in numbers if n.upper() in text]
        assert not found, f"audit entry {seq} ({action}) holds {found}"
    # The applicant is named by the internal id instead.
    accepted = next(json.loads(d) for _, a, _, d in rows if a == "acceptance.accepted")
    assert isinstance(accepted["applicant"], int)
    assert {t for _, a, t, _ in rows if a == "applicant.flag"} <= {str(i) for i in range(1, 100)}
    with ws.reading() as s:
        assert audit.verify(s).ok
