"""The two SM2 engines agree: keys, signatures both ways, SM3, and the engine switch."""

import pytest
from gmssl import sm3 as gm_sm3
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import signing as S
from forms import sm2
from tests.test_forms_signing import SM2_VECTOR, _independent_sm2_verify

UID = b"1234567812345678"
ENGINES = pytest.mark.parametrize("engine", sm2.ENGINES)


def test_both_engines_are_installed_on_x86_64():
    # The bench's 1.4x target for SM2 depends on Tongsuo; a missing wheel must not go unnoticed here.
    import platform
    if platform.machine() in ("x86_64", "AMD64"):
        assert sm2.available_engines() == ("tongsuo", "gmssl")


@ENGINES
def test_public_key_standard_vector(engine):
    d = int(SM2_VECTOR["d"], 16)
    assert sm2.public_key(d, engine).hex().upper() == SM2_VECTOR["public"]


@ENGINES
def test_standard_signature_verifies(engine):
    public = bytes.fromhex(SM2_VECTOR["public"])
    sig = bytes.fromhex(SM2_VECTOR["signature"])
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    assert sm2.verify(public, SM2_VECTOR["message"], r, s, engine)
    assert not sm2.verify(public, b"message digesT", r, s, engine)
    assert not sm2.verify(public, SM2_VECTOR["message"], r, (s + 1) % sm2.N, engine)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=sm2.N - 2),
       st.sampled_from(sm2.ENGINES))
def test_signed_by_one_engine_verified_by_the_other(data, d, signer):
    verifier = "gmssl" if signer == "tongsuo" else "tongsuo"
    public = sm2.public_key(d, signer)
    assert public == sm2.public_key(d, verifier)
    signature = sm2.sign(d, data, signer)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    assert sm2.verify(public, data, r, s, verifier)
    assert _independent_sm2_verify(public, data, signature, UID)
    assert not sm2.verify(public, data + b"x", r, s, verifier)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=5000))
def test_sm3_matches_gmssl(data):
    assert sm2.sm3(data).hex() == gm_sm3.sm3_hash(list(data))


def test_sm3_standard_vector():
    # GB/T 32905-2016 annex A.1
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize("forced", ["gmssl", "tongsuo"])
def test_engine_switch(monkeypatch, forced):
    monkeypatch.setenv(sm2.ENGINE_ENV, forced)
    assert sm2.default_engine() == forced
    private, public = S.generate_keypair("sm2")
    assert S.verify("sm2", public, b"x", S.sign("sm2", private, b"x"))


def test_unknown_engine_falls_back_to_the_fastest(monkeypatch):
    monkeypatch.setenv(sm2.ENGINE_ENV, "openssl-9")
    assert sm2.default_engine() == sm2.available_engines()[0]
