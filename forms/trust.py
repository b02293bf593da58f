"""What a verifier may believe about a seal: its X.509 certificate checked against the
authority the verifier pins (forms.x509), turned into the SealRecord that
forms.stamp's verification takes.

The record's validity is the certificate's, cut at the authority's expiry, so the
stamp module's check "was the seal valid on the signing day" covers the chain. A
certificate that does not chain to the pinned authority, is unreadable or revoked
gives a record with ``problem`` set: the document is refused with that reason.
``provisional`` is for the one case the issue allows: the terminal that holds the
seal's key, while the centre has not yet issued its certificate.
"""

from __future__ import annotations

from datetime import date

from forms import x509
from forms.errors import FormError
from forms.stamp import SealRecord

NO_AUTHORITY = "本机没有可信的电子印章根证书，无法确认印章的签发机构"


def seal_record(seal_id: str, *, certificate: bytes | None, authority: bytes | None, status: str,
                name: str = "", algorithm: str = "", public_key: bytes = b"",
                provisional: bool = False) -> SealRecord:
    """The record for ``seal_id``; ``name``/``algorithm``/``public_key`` describe a seal whose
    certificate is still awaited (used only with ``provisional``)."""
    unknown = date.min
    if status == "revoked":
        return SealRecord(seal_id, name, algorithm, public_key, "revoked", unknown, date.max,
                          problem=f"印章“{name or seal_id}”已吊销")
    if certificate is None:
        if provisional:
            return SealRecord(seal_id, name, algorithm, public_key, "active", unknown, date.max,
                              authority="", provisional=True)
        return SealRecord(seal_id, name, algorithm, public_key, status, unknown, date.max,
                          problem=f"印章“{name or seal_id}”的证书尚未由中心签发（待中心签发证书），"
                                  "只有盖章的终端可以暂时验证")
    if authority is None:
        return SealRecord(seal_id, name, algorithm, public_key, status, unknown, date.max,
                          problem=NO_AUTHORITY)
    try:
        info = x509.verify_seal_certificate(certificate, authority=authority)
        ca = x509.read_authority(authority)
    except FormError as exc:
        return SealRecord(seal_id, name, algorithm, public_key, status, unknown, date.max,
                          problem=str(exc))
    if info.seal_id != seal_id:
        return SealRecord(seal_id, name, algorithm, public_key, status, unknown, date.max,
                          problem=f"印章证书属于另一枚印章（{info.seal_id[:20]}）")
    assert info.valid_from is not None and info.valid_to is not None
    # The seal's period starts the day its key was made (its request), which may be
    # before the authority existed (documents sealed while the certificate was awaited);
    # the authority's expiry ends it.
    return SealRecord(seal_id, info.name, info.algorithm, info.public_key, "active",
                      info.valid_from, min(info.valid_to, ca.valid_to),
                      authority=ca.name, picture_sha256=info.picture_sha256)
