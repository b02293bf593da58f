"""The ASN.1 types of GB/T 38540-2020 (version 4) for pyasn1; see forms.ses for the
module text, the sources and what is signed. Field order and tags follow the
standard: untagged fields except TBS_Sign.extDatas and SES_Signature.timeStamp,
both ``[0] EXPLICIT``; SES_CertList's two alternatives are both untagged
SEQUENCE OFs, so certList is an open type (``Any``) resolved by certListType.
"""

from __future__ import annotations

from pyasn1.type import char, namedtype, tag, univ, useful

__all__ = ["SESHeader", "CertInfoList", "CertDigestObj", "CertDigestList", "ESPropertyInfo",
           "ESPictureInfo", "ExtData", "ExtensionDatas", "SESSealInfo", "SESeal", "TBSSign",
           "SESSignature", "SM2Signature"]


class SESHeader(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("id", char.IA5String()),
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("vid", char.IA5String()))


class CertInfoList(univ.SequenceOf):
    componentType = univ.OctetString()


class CertDigestObj(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", char.PrintableString()),
        namedtype.NamedType("value", univ.OctetString()))


class CertDigestList(univ.SequenceOf):
    componentType = CertDigestObj()


class ESPropertyInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", univ.Integer()),
        namedtype.NamedType("name", char.UTF8String()),
        namedtype.NamedType("certListType", univ.Integer()),
        namedtype.NamedType("certList", univ.Any()),   # CHOICE resolved by certListType
        namedtype.NamedType("createDate", useful.GeneralizedTime()),
        namedtype.NamedType("validStart", useful.GeneralizedTime()),
        namedtype.NamedType("validEnd", useful.GeneralizedTime()))


class ESPictureInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", char.IA5String()),
        namedtype.NamedType("data", univ.OctetString()),
        namedtype.NamedType("width", univ.Integer()),
        namedtype.NamedType("height", univ.Integer()))


class ExtData(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("extnID", univ.ObjectIdentifier()),
        namedtype.DefaultedNamedType("critical", univ.Boolean(False)),
        namedtype.NamedType("extnValue", univ.OctetString()))


class ExtensionDatas(univ.SequenceOf):
    componentType = ExtData()


class SESSealInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("header", SESHeader()),
        namedtype.NamedType("esID", char.IA5String()),
        namedtype.NamedType("property", ESPropertyInfo()),
        namedtype.NamedType("picture", ESPictureInfo()),
        namedtype.OptionalNamedType("extDatas", ExtensionDatas()))


class SESeal(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("eSealInfo", SESSealInfo()),
        namedtype.NamedType("cert", univ.OctetString()),
        namedtype.NamedType("signAlgID", univ.ObjectIdentifier()),
        namedtype.NamedType("signedValue", univ.BitString()))


def _explicit0(asn1_type):
    return asn1_type.subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, 0))


class TBSSign(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("eseal", SESeal()),
        namedtype.NamedType("timeInfo", useful.GeneralizedTime()),
        namedtype.NamedType("dataHash", univ.BitString()),
        namedtype.NamedType("propertyInfo", char.IA5String()),
        namedtype.OptionalNamedType("extDatas", _explicit0(ExtensionDatas())))


class SESSignature(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("toSign", TBSSign()),
        namedtype.NamedType("cert", univ.OctetString()),
        namedtype.NamedType("signatureAlgID", univ.ObjectIdentifier()),
        namedtype.NamedType("signature", univ.BitString()),
        namedtype.OptionalNamedType("timeStamp", _explicit0(univ.BitString())))


class SM2Signature(univ.Sequence):
    """GB/T 35276's SM2 signature value, inside both BIT STRINGs."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("r", univ.Integer()),
        namedtype.NamedType("s", univ.Integer()))
