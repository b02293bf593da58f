"""The seal maker's side of GB/T 38540: the SESeal of a seal whose X.509 certificate an
SM2 authority has just issued, and the check a holder makes of one it is given.

The authority that certifies a seal (the district's at the centre, or a terminal's
own before enrolment) is the seal maker (制章者): when both the authority and the
seal are SM2 it also makes the seal's ``SESeal`` (forms.ses) with

* maker certificate: the authority's certificate;
* certList (type 1): the seal's X.509 certificate, the one signer;
* esID, name: the certificate's seal id and name; type 1 (单位印章);
* picture: the seal picture (PNG) whose SHA-256 the certificate binds, 42 × 42 mm
  (forms.templates draws the seal 4.2 cm wide);
* validity: the certificate's, 00:00:00 of its first day to 23:59:59 of its last,
  Beijing time (forms.x509 writes the same instants).

An ECDSA seal or an ECDSA authority has no SESeal: the standard's structures are SM2
only. ``check_for_certificate`` is what a terminal does with an SESeal it receives
(pulled from the centre, or made by its own authority): it must verify, be made by
the authority the terminal trusts, and name exactly that seal certificate.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from forms import ses, x509
from forms.errors import FormError

__all__ = ["SEAL_MM", "SEAL_TYPE", "makes_seal", "make_for_certificate", "check_for_certificate"]

SEAL_MM = 42
SEAL_TYPE = 1


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)          # naive: Beijing time (forms.ses)


def _end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59)


def makes_seal(certificate: bytes, authority: bytes) -> bool:
    """Whether this seal certificate and authority get an SESeal (both SM2)."""
    return (x509.read_certificate(certificate).algorithm == "sm2"
            and x509.read_authority(authority).algorithm == "sm2")


def make_for_certificate(*, certificate: bytes, authority: bytes, authority_private: bytes,
                         picture_png: bytes, created: datetime) -> bytes | None:
    """The SESeal (DER) the authority makes for the seal certificate it issued; None when
    the seal or the authority is not SM2. FormError when the picture is not the one
    the certificate binds."""
    info = x509.read_certificate(certificate)
    ca = x509.read_authority(authority)
    if info.algorithm != "sm2" or ca.algorithm != "sm2":
        return None
    if hashlib.sha256(bytes(picture_png)).hexdigest() != info.picture_sha256:
        raise FormError("印章图片与印章证书登记的图片摘要不符，不能制作电子印章")
    assert info.valid_from is not None and info.valid_to is not None
    return ses.make_seal(es_id=info.seal_id, name=info.name, seal_type=SEAL_TYPE,
                         signer_certs=[certificate], created=created,
                         valid_start=_start(info.valid_from), valid_end=_end(info.valid_to),
                         picture_png=picture_png, width_mm=SEAL_MM, height_mm=SEAL_MM,
                         maker_cert=authority, maker_private=authority_private)


def check_for_certificate(seal_der: object, *, certificate: bytes,
                          authority: bytes) -> ses.SealData:
    """The decoded SESeal if it is the one ``authority`` made for ``certificate``:
    strict DER, the maker's signature valid, the maker the trusted authority, the one
    signer that certificate, and the seal id, name, picture and validity the
    certificate's. FormError saying why not."""
    data = ses.decode_seal(seal_der)
    ses.verify_seal(data)
    if data.maker_cert != bytes(authority):
        raise FormError("电子印章不是由本机认可的电子印章根证书制作的")
    if data.cert_list_type != 1 or data.signer_certs != (bytes(certificate),):
        raise FormError("电子印章列出的签章者证书不是该印章的证书")
    info = x509.read_certificate(certificate)
    assert info.valid_from is not None and info.valid_to is not None
    if data.es_id != info.seal_id or data.name != info.name:
        raise FormError("电子印章的编号或名称与印章证书不符")
    if hashlib.sha256(data.picture).hexdigest() != info.picture_sha256:
        raise FormError("电子印章中的印章图片与印章证书登记的图片不符")
    expected = (_start(info.valid_from).replace(tzinfo=ses.BEIJING),
                _end(info.valid_to).replace(tzinfo=ses.BEIJING))
    if (data.valid_start, data.valid_end) != expected:
        raise FormError("电子印章的有效期与印章证书不符")
    return data
