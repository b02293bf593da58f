"""Official documents (受理通知书, 一次性告知书 …): the kinds each outcome issues.

Filling the .docx templates, stamping and signing come with the documents issue;
for now this names which documents each outcome produces, so that their numbers
are taken in the acceptance transaction.
"""

DOCUMENTS_BY_OUTCOME = {
    "accepted": ("受理通知书", "材料接收凭证"),
    "tolerated": ("容缺受理通知书", "容缺受理承诺书", "材料接收凭证"),
    "notified": ("一次性告知书",),
    "refused": ("不予受理通知书",),
    "approved_on_spot": ("准予行政许可决定书",),
}
