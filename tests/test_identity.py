"""Pseudonyms: HMAC-SHA256 of the normalised national ID; the ID never reaches the chain."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from eth_utils import keccak
from yibao.chain import dev_account
from yibao.client import Enrolment, Ledger
from yibao.errors import InputError, KeyRefused
from yibao.identity import KEY_ENV, MIN_KEY_BYTES, PseudonymKey, check_digit, normalise_id, parse_pseudonym
from yibao.model.types import Scheme

KEY_A = PseudonymKey(bytes(range(32)))
KEY_B = PseudonymKey(bytes(range(1, 33)))


def make_id(serial: int, birth: str = "19900101", area: str = "110101") -> str:
    first17 = f"{area}{birth}{serial:03d}"
    return first17 + check_digit(first17)


ID = make_id(1)  # ends in a digit
ID_X = make_id(4)  # ends in X
assert ID_X.endswith("X") and not ID.endswith("X")


# ---------------------------------------------------------------------- check digits


def test_check_digit_known_examples() -> None:
    # The two worked examples of GB 11643-1999.
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"
    assert normalise_id("11010519491231002X") == "11010519491231002X"
    assert normalise_id("440524188001010014") == "440524188001010014"


def test_normalise_upper_cases_and_strips() -> None:
    assert normalise_id(ID_X.lower()) == ID_X
    assert normalise_id(f"  {ID}\n") == ID


# ---------------------------------------------------------------------- pseudonyms


def test_pseudonym_is_hmac_sha256_of_the_normalised_id() -> None:
    p = KEY_A.pseudonym(ID)
    assert isinstance(p, bytes) and len(p) == 32
    assert p == hmac.new(bytes(range(32)), ID.encode("ascii"), hashlib.sha256).digest()
    assert p != hashlib.sha256(ID.encode()).digest()  # keyed, not a plain hash
    assert KEY_A.pseudonym(ID) == p  # deterministic


def test_different_keys_give_different_pseudonyms() -> None:
    assert KEY_A.pseudonym(ID) != KEY_B.pseudonym(ID)
    assert KEY_A.pseudonym(ID_X) != KEY_B.pseudonym(ID_X)


def test_different_ids_give_different_pseudonyms() -> None:
    ids = [make_id(n) for n in range(50)]
    assert len({KEY_A.pseudonym(i) for i in ids}) == 50


def test_lower_case_x_and_spaces_give_the_same_pseudonym() -> None:
    assert KEY_A.pseudonym(ID_X.lower()) == KEY_A.pseudonym(ID_X)
    assert KEY_A.pseudonym(f" {ID_X.lower()} ") == KEY_A.pseudonym(ID_X)


_first17 = ID[:17]
_wrong_check = _first17 + str((int(ID[17]) + 1) % 10)
BAD_IDS = {
    "empty": "",
    "too short": ID[:17],
    "too long": ID + "1",
    "wrong check digit": _wrong_check,
    "X as wrong check digit": _first17 + "X",
    "letter inside": ID[:5] + "A" + ID[6:],
    "X inside": ID[:16] + "X" + ID[17],
    "inner space": ID[:6] + " " + ID[6:],
    "fullwidth digits": "".join(chr(ord(c) + 0xFEE0) for c in _first17) + ID[17],
    "arabic-indic digits": "".join(chr(0x660 + int(c)) for c in _first17) + ID[17],
    "fullwidth check digit": _first17 + chr(ord(ID[17]) + 0xFEE0),
}


@pytest.mark.parametrize("bad", list(BAD_IDS.values()), ids=list(BAD_IDS))
def test_bad_ids_rejected_without_echoing_the_id(bad: str) -> None:
    for fn in (normalise_id, KEY_A.pseudonym):
        with pytest.raises(InputError) as ei:
            fn(bad)
        text = f"{ei.value} {ei.value!r} {ei.value.args!r}"
        if bad:
            assert bad not in text
            assert bad.strip().upper() not in text
        assert _first17 not in text  # not even the ID's digits
        assert ei.value.__cause__ is None and ei.value.__context__ is None


def test_no_ascii_normalised_form_for_non_ascii_digits() -> None:
    """Non-ASCII digits are refused, never passed on as an 'ID'."""
    with pytest.raises(InputError):
        normalise_id(BAD_IDS["fullwidth digits"])


# ---------------------------------------------------------------------- keys


@pytest.mark.parametrize("n", [0, 1, 16, MIN_KEY_BYTES - 1])
def test_short_key_rejected(n: int) -> None:
    with pytest.raises(InputError, match="at least 32 bytes"):
        PseudonymKey(b"\x01" * n)


def test_key_of_32_bytes_or_more_accepted() -> None:
    assert MIN_KEY_BYTES == 32
    PseudonymKey(b"\x01" * 32)
    PseudonymKey(b"\x01" * 64)


def test_key_from_hex() -> None:
    k = PseudonymKey.from_hex("0x" + "ab" * 32)
    assert k.hex() == "ab" * 32
    assert PseudonymKey.from_hex(" " + "ab" * 32 + "\n").pseudonym(ID) == k.pseudonym(ID)
    with pytest.raises(InputError, match="hex"):
        PseudonymKey.from_hex("zz" * 32)
    with pytest.raises(InputError, match="at least 32"):
        PseudonymKey.from_hex("ab" * 31)


def test_key_never_printed() -> None:
    k = PseudonymKey.from_hex("cd" * 32)
    assert "cd" * 4 not in repr(k) and "cd" * 4 not in str(k)


def test_generated_keys_are_32_random_bytes() -> None:
    a, b = PseudonymKey.generate(), PseudonymKey.generate()
    assert len(bytes.fromhex(a.hex())) == 32
    assert a.hex() != b.hex()


def test_key_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = tmp_path / "key.hex"
    with pytest.raises(InputError, match=KEY_ENV):
        PseudonymKey.from_env_or_file(path)
    with pytest.raises(InputError):
        PseudonymKey.from_env_or_file(None)
    path.write_text("11" * 32 + "\n", encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(KeyRefused, match="chmod 600"):  # a key file others can read is refused
        PseudonymKey.from_env_or_file(path)
    path.chmod(0o600)
    assert PseudonymKey.from_env_or_file(path).hex() == "11" * 32
    monkeypatch.setenv(KEY_ENV, "22" * 32)  # the environment wins over the file
    assert PseudonymKey.from_env_or_file(path).hex() == "22" * 32


def test_saved_key_is_private_from_the_start(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0)
    try:
        KEY_A.save(tmp_path / "home" / "pseudonym.key")
    finally:
        os.umask(old)
    path = tmp_path / "home" / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert PseudonymKey.from_env_or_file(path).hex() == KEY_A.hex()
    with pytest.raises(KeyRefused, match="exists"):  # never overwritten
        KEY_B.save(path)
    assert PseudonymKey.from_env_or_file(path).hex() == KEY_A.hex()


def test_parse_pseudonym() -> None:
    p = KEY_A.pseudonym(ID)
    assert parse_pseudonym("0x" + p.hex()) == p
    assert parse_pseudonym(" 0x" + p.hex().upper() + " ") == p
    for bad in (p.hex(), "0x" + p.hex()[:-2], "0x" + "g" * 64, "0x" + "00" * 32, ID):
        with pytest.raises(InputError) as ei:
            parse_pseudonym(bad)
        assert ID not in str(ei.value)


# ---------------------------------------------------------------------- nothing on chain


def _needles(national_id: str) -> dict[str, bytes]:
    """Byte strings that would give the ID away if they appeared on chain."""
    out: dict[str, bytes] = {}
    for form in {national_id, national_id.lower()}:
        raw = form.encode("ascii")
        out[f"raw {form}"] = raw
        out[f"first 17 digits of {form}"] = raw[:17]
        out[f"utf-16 {form}"] = form.encode("utf-16-be")
        for name, digest in (("sha256", hashlib.sha256(raw).digest()), ("keccak", keccak(raw))):
            out[f"{name} {form}"] = digest
            out[f"{name} {form} as hex text"] = digest.hex().encode()
    return out


def test_enrolment_puts_no_id_or_unkeyed_hash_on_chain(ledger: Ledger) -> None:
    region = 110000
    admin = ledger
    admin.add_region(region, "Beijing")
    # nobody grants a role to themselves: the admin names a regulator, who names the operator
    regulator = dev_account(8)
    admin.grant_role(admin.regulator_role(region), regulator.address)
    admin.acting_as(regulator).grant_role(admin.operator_role(region), admin.signer.address)
    ids = [ID, ID_X]
    wallets = [dev_account(9).address, dev_account(6).address]  # a wallet is one person's
    entries = [Enrolment(KEY_A.pseudonym(i), region, Scheme.EMPLOYEE,
                         admin.today(), admin.today(), w) for i, w in zip(ids, wallets, strict=True)]
    results = [admin.enrol(entries[0]), *admin.enrol_many(entries[1:])]
    w3 = ledger.chain.w3
    haystacks: list[bytes] = []
    for res in results:
        tx = w3.eth.get_transaction(res.tx_hash)
        haystacks.append(bytes(tx["input"]))
        receipt = w3.eth.get_transaction_receipt(res.tx_hash)
        assert receipt["logs"], "an enrolment emits events"
        for log in receipt["logs"]:
            haystacks.append(bytes(log["data"]))
            haystacks.extend(bytes(t) for t in log["topics"])
    # The scan sees what is there: each pseudonym is in its calldata and in a topic.
    for e in entries:
        assert any(e.person in h for h in haystacks)
        assert e.person in haystacks
    for nid in ids:
        for what, needle in _needles(nid).items():
            for h in haystacks:
                assert needle not in h, f"{what} appears on chain"
