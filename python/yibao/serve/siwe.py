"""Sign-In with Ethereum (EIP-4361) for the service: the challenge a chain account signs, and its
check. (No maintained SIWE package is in this machine's index; the message format is small and
is written out here from the EIP, the signature recovered by eth-account, EIP-191.)

A message is the EIP's plain text::

    yibao.example wants you to sign in with your Ethereum account:
    0x6bD59f26090CAC1A77FfDc565781CEFFA056f9cb

    Sign in to yibao 医保.

    URI: https://yibao.example/login
    Version: 1
    Chain ID: 31337
    Nonce: 7kP4Qh2vXb9mL0aZ
    Issued At: 2026-12-03T08:00:00Z
    Expiration Time: 2026-12-03T08:10:00Z

:func:`verify` accepts a message only for the expected domain, chain and nonce (the server's one-
time nonce), inside its validity, with an EIP-55 address that recovered the signature; anything
else is one :class:`~yibao.errors.SignInRefused` naming what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import is_checksum_address

from yibao.errors import SignInRefused

_HEADER = re.compile(r"^(?P<domain>[^\s/]+) wants you to sign in with your Ethereum account:$")
_FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time", "Not Before", "Request ID")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")


@dataclass(frozen=True)
class SiweMessage:
    """An EIP-4361 message's fields (``statement`` may be empty)."""

    domain: str
    address: str
    statement: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: dt.datetime
    expiration_time: dt.datetime | None = None
    not_before: dt.datetime | None = None

    def text(self) -> str:
        """The message as it is signed."""
        lines = [f"{self.domain} wants you to sign in with your Ethereum account:", self.address, ""]
        if self.statement:
            lines += [self.statement, ""]
        lines += [f"URI: {self.uri}", "Version: 1", f"Chain ID: {self.chain_id}", f"Nonce: {self.nonce}",
                  f"Issued At: {_stamp(self.issued_at)}"]
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {_stamp(self.expiration_time)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {_stamp(self.not_before)}")
        return "\n".join(lines)


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str, field: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignInRefused(f"sign-in message: {field} {text!r} is not an RFC 3339 time") from None
    if t.tzinfo is None:
        raise SignInRefused(f"sign-in message: {field} needs a time zone")
    return t


def new_nonce() -> str:
    """A fresh one-time nonce (16 letters and digits)."""
    return secrets.token_urlsafe(16).replace("-", "a").replace("_", "b")[:16]


def challenge(domain: str, address: str, uri: str, chain_id: int, nonce: str, issued_at: dt.datetime,
              lifetime: dt.timedelta, statement: str = "Sign in to yibao 医保.") -> SiweMessage:
    """The message the account at ``address`` is asked to sign."""
    return SiweMessage(domain, address, statement, uri, chain_id, nonce, issued_at, issued_at + lifetime)


def parse(text: str) -> SiweMessage:
    """An EIP-4361 message read back; anything else is refused, naming the line."""
    lines = text.split("\n")
    if len(lines) < 8:
        raise SignInRefused("sign-in message: too short for EIP-4361")
    header = _HEADER.match(lines[0])
    if header is None:
        raise SignInRefused("sign-in message: the first line must be '<domain> wants you to sign in with your "
                            "Ethereum account:'")
    address = lines[1]
    if not is_checksum_address(address):
        raise SignInRefused(f"sign-in message: {address[:50]!r} is not an EIP-55 address")
    if lines[2] != "":
        raise SignInRefused("sign-in message: an empty line must follow the address")
    rest, statement = lines[3:], ""
    if rest and not rest[0].startswith("URI: "):
        statement = rest[0]
        if len(rest) < 2 or rest[1] != "":
            raise SignInRefused("sign-in message: an empty line must follow the statement")
        rest = rest[2:]
    fields: dict[str, str] = {}
    for line in rest:
        name, sep, value = line.partition(": ")
        if not sep or name not in _FIELDS or name in fields:
            raise SignInRefused(f"sign-in message: unexpected line {line[:60]!r}")
        fields[name] = value
    for need in ("URI", "Version", "Chain ID", "Nonce", "Issued At"):
        if need not in fields:
            raise SignInRefused(f"sign-in message: {need} is missing")
    if fields["Version"] != "1":
        raise SignInRefused("sign-in message: Version must be 1")
    if not fields["Chain ID"].isdigit():
        raise SignInRefused("sign-in message: Chain ID must be a number")
    if not _NONCE.match(fields["Nonce"]):
        raise SignInRefused("sign-in message: Nonce must be at least 8 letters or digits")
    return SiweMessage(
        header["domain"], address, statement, fields["URI"], int(fields["Chain ID"]), fields["Nonce"],
        _time(fields["Issued At"], "Issued At"),
        _time(fields["Expiration Time"], "Expiration Time") if "Expiration Time" in fields else None,
        _time(fields["Not Before"], "Not Before") if "Not Before" in fields else None)


def verify(text: str, signature: bytes | str, *, domain: str, chain_id: int, nonce: str, now: dt.datetime) -> str:
    """The account ``text`` signs in, once the message is for ``domain``, ``chain_id`` and the
    server's ``nonce``, valid at ``now``, and ``signature`` is that account's."""
    msg = parse(text)
    if msg.domain != domain:
        raise SignInRefused(f"sign-in message: for {msg.domain}, not {domain}")
    if msg.chain_id != chain_id:
        raise SignInRefused(f"sign-in message: for chain {msg.chain_id}, not {chain_id}")
    if not secrets.compare_digest(msg.nonce, nonce):
        raise SignInRefused("sign-in message: not the nonce this server gave (ask for a new challenge)")
    if msg.expiration_time is not None and now >= msg.expiration_time:
        raise SignInRefused(f"sign-in message: expired at {_stamp(msg.expiration_time)}")
    if msg.not_before is not None and now < msg.not_before:
        raise SignInRefused(f"sign-in message: not valid before {_stamp(msg.not_before)}")
    try:
        signer = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:  # noqa: BLE001 - any malformed signature is one refusal
        raise SignInRefused("sign-in signature: not a 65-byte Ethereum signature") from None
    if signer != msg.address:
        raise SignInRefused(f"sign-in signature: signed by {signer}, not {msg.address}")
    return msg.address


__all__ = ["SiweMessage", "challenge", "new_nonce", "parse", "verify"]
