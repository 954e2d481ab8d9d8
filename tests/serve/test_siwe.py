"""Sign-In with Ethereum (EIP-4361, issue 16 §2): a challenge signed by its account signs it in;
a message for another domain, chain or nonce, expired, not yet valid, malformed, or signed by
another key is refused with one line naming why."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from yibao.chain import dev_account
from yibao.errors import SignInRefused
from yibao.serve.siwe import challenge, new_nonce, parse, verify

ME, OTHER = dev_account(7), dev_account(8)
T0 = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
DOMAIN, CHAIN = "yibao.example", 31337


def signed(text: str, key: object = ME.key) -> bytes:
    return bytes(Account.sign_message(encode_defunct(text=text), key).signature)


def message(nonce: str = "7kP4Qh2vXb9mL0aZ") -> str:
    return challenge(DOMAIN, ME.address, "https://yibao.example/login", CHAIN, nonce, T0,
                     dt.timedelta(minutes=10)).text()


def test_the_challenge_is_eip_4361_and_signs_its_account_in() -> None:
    text = message()
    assert text.splitlines() == [
        "yibao.example wants you to sign in with your Ethereum account:", ME.address, "",
        "Sign in to yibao 医保.", "", "URI: https://yibao.example/login", "Version: 1", "Chain ID: 31337",
        "Nonce: 7kP4Qh2vXb9mL0aZ", "Issued At: 2026-12-03T08:00:00Z", "Expiration Time: 2026-12-03T08:10:00Z"]
    assert parse(text).text() == text
    now = T0 + dt.timedelta(minutes=1)
    assert verify(text, signed(text), domain=DOMAIN, chain_id=CHAIN, nonce="7kP4Qh2vXb9mL0aZ", now=now) == ME.address
    assert verify(text, "0x" + signed(text).hex(), domain=DOMAIN, chain_id=CHAIN, nonce="7kP4Qh2vXb9mL0aZ",
                  now=now) == ME.address


def test_nonces_are_fresh() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50 and all(len(n) == 16 and n.isalnum() for n in nonces)
    parse(message(new_nonce()))


@pytest.mark.parametrize(("change", "words"), [
    ({"domain": "evil.example"}, "for yibao.example, not evil.example"),
    ({"chain_id": 1}, "for chain 31337, not 1"),
    ({"nonce": "anotherNonce123"}, "not the nonce this server gave"),
    ({"now": T0 + dt.timedelta(minutes=10)}, "expired at 2026-12-03T08:10:00Z"),
])
def test_a_message_for_somewhere_else_or_too_late_is_refused(change: dict[str, object], words: str) -> None:
    text = message()
    args: dict[str, object] = {"domain": DOMAIN, "chain_id": CHAIN, "nonce": "7kP4Qh2vXb9mL0aZ",
                               "now": T0 + dt.timedelta(minutes=1), **change}
    with pytest.raises(SignInRefused, match=words):
        verify(text, signed(text), **args)  # type: ignore[arg-type]


def test_not_before_and_another_signer_and_bad_signatures() -> None:
    msg = replace(parse(message()), not_before=T0 + dt.timedelta(minutes=5))
    text = msg.text()
    with pytest.raises(SignInRefused, match="not valid before 2026-12-03T08:05:00Z"):
        verify(text, signed(text), domain=DOMAIN, chain_id=CHAIN, nonce=msg.nonce, now=T0)
    with pytest.raises(SignInRefused, match=f"signed by {OTHER.address}, not {ME.address}"):
        verify(message(), signed(message(), OTHER.key), domain=DOMAIN, chain_id=CHAIN, nonce="7kP4Qh2vXb9mL0aZ",
               now=T0)
    for bad in (b"", b"\x00" * 65, "0xzz"):
        with pytest.raises(SignInRefused, match="sign-in signature"):
            verify(message(), bad, domain=DOMAIN, chain_id=CHAIN, nonce="7kP4Qh2vXb9mL0aZ", now=T0)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda t: t.replace(" wants you to sign in", " would like you to sign in"), "the first line"),
    (lambda t: t.replace(ME.address, ME.address.lower()), "is not an EIP-55 address"),
    (lambda t: t.replace("Version: 1", "Version: 2"), "Version must be 1"),
    (lambda t: t.replace("Chain ID: 31337", "Chain ID: x"), "Chain ID must be a number"),
    (lambda t: t.replace("Nonce: 7kP4Qh2vXb9mL0aZ", "Nonce: short"), "Nonce must be at least 8"),
    (lambda t: t.replace("Issued At: 2026-12-03T08:00:00Z", "Issued At: yesterday"), "not an RFC 3339 time"),
    (lambda t: t.replace("Issued At: 2026-12-03T08:00:00Z", "Issued At: 2026-12-03T08:00:00"), "needs a time zone"),
    (lambda t: t + "\nResources: x", "unexpected line"),
    (lambda t: t.replace("\nNonce: 7kP4Qh2vXb9mL0aZ", ""), "Nonce is missing"),
    (lambda t: "\n".join(t.splitlines()[:4]), "too short"),
])
def test_a_malformed_message_is_refused_naming_the_line(edit: object, words: str) -> None:
    text = edit(message())  # type: ignore[operator]
    with pytest.raises(SignInRefused, match=words) as info:
        parse(text)
    assert "\n" not in str(info.value)
