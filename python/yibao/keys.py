"""Signing keys: named keystores, their passwords, the dev-key policy and the key files' modes.

``keys.json`` in the home folder names the keys a command can sign with (``--as NAME``); it
never holds a private key::

    {"format": "yibao-keys/1",
     "keys": {"admin": {"dev": 0, "address": "0xf39F…"},              # a well-known dev key
              "bureau": {"keystore": "keystores/bureau.json", "address": "0x…"},
              "hospital-7": {"address": "0x…"}}}                      # an address, cannot sign

- **Dev keys** (index ``i`` of :data:`yibao.chain.backend.DEV_MNEMONIC`, public knowledge)
  sign only on the embedded chain and on the dev node chain ids :data:`DEV_CHAIN_IDS`;
  :func:`check_signer` refuses them anywhere else. ``yibao deploy`` on a dev chain adds the
  names ``admin`` and ``dev1`` … ``dev9`` for them, so trials need no setup.
- **Keystores** are Ethereum's encrypted JSON keystores (v3, scrypt), kept below the home in
  ``keystores/``. The password comes from, in order: ``--password-file FILE``, the
  environment variable ``YIBAO_KEY_PASSWORD_<NAME>`` (the name upper-cased, ``-`` and ``.``
  as ``_``), ``YIBAO_KEY_PASSWORD``, and a prompt when stdin is a terminal.
- **Key files** (keystores, ``keys.json``, ``pseudonym.key``, password files) are created
  with mode 0600 in one step (a temporary file opened 0600, then renamed), the home folder
  0700; one that the group or others can read is refused when read.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yibao.errors import InputError, KeyRefused

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from yibao.chain.backend import Chain

KEYS_FORMAT = "yibao-keys/1"
#: Chain ids of development nodes (anvil, hardhat; ganache and geth --dev): dev keys sign there.
DEV_CHAIN_IDS = frozenset({31337, 1337})
PASSWORD_ENV = "YIBAO_KEY_PASSWORD"
KEYSTORE_DIR = "keystores"
#: scrypt work factors: geth's standard one, and its ``--lightkdf`` one for trials and tests.
SCRYPT_N = 1 << 18
LIGHT_SCRYPT_N = 1 << 12
NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_-]{0,31}"
_NAME = re.compile(NAME_PATTERN)
_PRIVATE_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_MAX_FILE = 1 << 20  # a keystore, key or password file is small; refuse to read more

PRIVATE_KEY_IN_ARGV = ("that is a private key: give a key name or an address instead (argv lands in "
                       "shell history and `ps`); import the key with `yibao key import NAME --private-key-file FILE`")


# ---------------------------------------------------------------------- files


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700, or narrow it to 0700 when the group or
    others may enter it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def write_secret(path: Path, text: str, *, replace: bool = True) -> None:
    """Write a key file: created 0600 in one step (a temporary file opened 0600, written and
    synced, then renamed over ``path``), in a folder of mode 0700. With ``replace=False`` an
    existing ``path`` is kept and :class:`KeyRefused` raised."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists: no key is ever overwritten
            except FileExistsError:
                raise KeyRefused(f"{path} exists already; not overwritten") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def check_private(path: Path) -> None:
    """Refuse a key file that the group or others can read (or write)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a file")
    if mode & 0o077:
        raise KeyRefused(f"{path} is readable by others (mode {stat.S_IMODE(mode):04o}); "
                         f"run `chmod 600 {path}` if it was not seen, else replace the key")


def read_secret(path: Path) -> str:
    """A key file's text, after :func:`check_private`."""
    check_private(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_FILE + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > _MAX_FILE:
        raise InputError(f"{path}: too large for a key file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


# ---------------------------------------------------------------------- names and addresses


def check_name(name: str) -> str:
    """A key name: a letter, then up to 31 letters, digits, ``_`` or ``-``."""
    if _PRIVATE_KEY.fullmatch(name.strip()):
        raise KeyRefused(f"key name {name[:6]}…: {PRIVATE_KEY_IN_ARGV}")
    if not _NAME.fullmatch(name):
        raise InputError(f"key name {name[:40]!r}: must be a letter, then up to 31 letters, digits, _ or -")
    return name


def checksum_address(text: str, what: str = "address") -> str:
    """``0x`` and 40 hex digits, as its EIP-55 checksum form; mixed case must be that form."""
    from eth_utils.address import to_checksum_address

    t = text
    if not _ADDRESS.fullmatch(t):
        raise InputError(f"{what} {t[:50]!r}: not an address (0x and 40 hex digits)")
    addr: str = to_checksum_address(t)
    body = t[2:]
    if body != body.lower() and body != body.upper() and addr != t:
        raise InputError(f"{what} {t}: wrong EIP-55 checksum (did you mean {addr}?)")
    return addr


def check_signer_ref(text: str) -> str:
    """What ``--as`` may be: a key name or an address, never a private key."""
    t = text
    if _PRIVATE_KEY.fullmatch(t.strip()):
        raise KeyRefused(PRIVATE_KEY_IN_ARGV)
    if t.startswith("0x"):
        return checksum_address(t)
    return check_name(t)


@functools.cache
def dev_addresses() -> dict[str, int]:
    """The well-known dev accounts: address → index."""
    from yibao.chain.backend import DEV_ACCOUNTS, dev_account

    return {dev_account(i).address: i for i in range(DEV_ACCOUNTS)}


def is_dev_chain(chain: Chain) -> bool:
    """The embedded chain, or a node whose chain id is a dev chain id."""
    return chain.kind == "embedded" or chain.chain_id in DEV_CHAIN_IDS


def fund_on_dev_chain(chain: Chain, address: str) -> None:
    """On a dev chain, give an own key without gas money some (free there), from dev key 0."""
    if address in dev_addresses() or not is_dev_chain(chain):
        return
    if int(chain.w3.eth.get_balance(address)) == 0:  # type: ignore[arg-type]
        chain.fund(address)


def check_signer(chain: Chain, address: str, who: str, role: str = "--as") -> None:
    """Refuse a well-known dev key on a chain that is not a dev chain."""
    index = dev_addresses().get(address)
    if index is None or is_dev_chain(chain):
        return
    ids = ", ".join(str(i) for i in sorted(DEV_CHAIN_IDS))
    raise KeyRefused(
        f"{role} {who}: {address} is well-known dev key {index}, refused on chain id {chain.chain_id} "
        f"(dev keys serve only the embedded chain and chain ids {ids}); bring your own key: "
        f"`yibao key import NAME --keystore FILE` (or `yibao key new NAME`), then `--as NAME`")


# ---------------------------------------------------------------------- passwords


def password_env(name: str) -> str:
    """The environment variable that holds the password of key ``name``."""
    return f"{PASSWORD_ENV}_{re.sub(r'[^A-Z0-9]', '_', name.upper())}"


@dataclass(frozen=True)
class Passwords:
    """Where keystore passwords come from: a file, the environment, or a prompt on a terminal."""

    file: Path | None = None
    env: Mapping[str, str] | None = None
    prompt: bool | None = None  # None: prompt when stdin is a terminal

    def get(self, name: str, *, new: bool = False) -> str:
        """The password of key ``name`` (``new``: of a keystore being made, asked twice)."""
        env = os.environ if self.env is None else self.env
        if self.file is not None:
            lines = read_secret(self.file).splitlines()
            password = lines[0] if lines else ""
            source = str(self.file)
        elif env.get(password_env(name)) is not None or env.get(PASSWORD_ENV) is not None:
            var = password_env(name) if env.get(password_env(name)) is not None else PASSWORD_ENV
            password, source = env[var], f"${var}"
        elif self.prompt if self.prompt is not None else sys.stdin.isatty():
            password, source = getpass.getpass(f"password of key {name}: "), "the prompt"
            if new and getpass.getpass(f"password of key {name} again: ") != password:
                raise InputError("the two passwords differ")
        else:
            raise KeyRefused(
                f"key {name} is a keystore: give its password with --password-file FILE, "
                f"${password_env(name)} or ${PASSWORD_ENV}, or run in a terminal")
        if new and not password:
            raise InputError(f"key {name}: the password from {source} is empty")
        return password


# ---------------------------------------------------------------------- the key ring


@dataclass(frozen=True)
class KeyEntry:
    """One named key: a dev key (``dev`` index), a keystore (path below the home) or an
    address only (which names an account but cannot sign)."""

    name: str
    address: str
    dev: int | None = None
    keystore: str | None = None

    @property
    def kind(self) -> str:
        return "dev" if self.dev is not None else "keystore" if self.keystore else "address"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"address": self.address}
        if self.dev is not None:
            doc = {"dev": self.dev, **doc}
        if self.keystore:
            doc = {"keystore": self.keystore, **doc}
        return doc


def _entry(name: str, doc: Any, where: str) -> KeyEntry:
    """An entry of keys.json, checked."""
    from yibao.chain.backend import DEV_ACCOUNTS, dev_account

    if isinstance(doc, str):  # the old format: a plaintext key; only the public dev keys pass
        if doc.lower().removeprefix("0x") in _dev_private_keys():
            i = _dev_private_keys()[doc.lower().removeprefix("0x")]
            return KeyEntry(name, dev_account(i).address, dev=i)
        raise KeyRefused(f"{where}: key {name!r} is a plaintext private key; keys.json names keystores only: "
                         f"remove it and `yibao key import {name} --private-key-file FILE`")
    if not isinstance(doc, dict) or not set(doc) <= {"address", "dev", "keystore"} or "address" not in doc:
        raise InputError(f"{where}: key {name!r} must be {{\"address\"[, \"dev\" | \"keystore\"]}}")
    check_name(name)
    address = checksum_address(str(doc["address"]), f"{where}: key {name!r}")
    dev, keystore = doc.get("dev"), doc.get("keystore")
    if dev is not None:
        if type(dev) is not int or not 0 <= dev < DEV_ACCOUNTS or dev_account(dev).address != address:
            raise InputError(f"{where}: key {name!r}: dev {dev!r} is not dev key {address}")
    if keystore is not None:
        rel = Path(str(keystore))
        if dev is not None or rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise InputError(f"{where}: key {name!r}: keystore must be a path inside the home folder")
    return KeyEntry(name, address, dev, None if keystore is None else str(keystore))


@functools.cache
def _dev_private_keys() -> dict[str, int]:
    from yibao.chain.backend import DEV_ACCOUNTS, dev_account

    return {dev_account(i).key.hex().removeprefix("0x"): i for i in range(DEV_ACCOUNTS)}


class KeyRing:
    """The named keys of a home folder (``keys.json`` and ``keystores/``)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / "keys.json"

    # ------------------------------------------------------------------ keys.json

    def entries(self) -> dict[str, KeyEntry]:
        """Every named key (none when there is no keys.json)."""
        if not self.path.exists():
            return {}
        try:
            doc = json.loads(read_secret(self.path))
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"{self.path}: not JSON ({exc})") from None
        if isinstance(doc, dict) and doc.get("format") == KEYS_FORMAT:
            doc = doc.get("keys")
        elif isinstance(doc, dict) and "format" in doc:
            raise InputError(f"{self.path}: unknown format {doc['format']!r} (this yibao reads {KEYS_FORMAT})")
        if not isinstance(doc, dict):
            raise InputError(f"{self.path}: must map key names to keys")
        return {str(k): _entry(str(k), v, str(self.path)) for k, v in doc.items()}

    def _save(self, entries: Mapping[str, KeyEntry]) -> None:
        doc = {"format": KEYS_FORMAT, "keys": {k: e.to_json() for k, e in entries.items()}}
        write_secret(self.path, json.dumps(doc, indent=2) + "\n")

    def add(self, entry: KeyEntry) -> None:
        """Add a new name (an existing one is refused)."""
        entries = self.entries()
        if entry.name in entries:
            raise InputError(f"key {entry.name} exists already ({entries[entry.name].address})")
        self._save({**entries, entry.name: entry})

    def add_dev_keys(self) -> None:
        """Name the dev keys ``admin`` (0) and ``dev1`` … ``dev9``, keeping names already taken."""
        from yibao.chain.backend import DEV_ACCOUNTS, dev_account

        entries = self.entries()
        wanted = {("admin" if i == 0 else f"dev{i}"): i for i in range(DEV_ACCOUNTS)}
        missing = {n: KeyEntry(n, dev_account(i).address, dev=i) for n, i in wanted.items() if n not in entries}
        if missing or (self.path.exists() and not self._current_format()):
            self._save({**entries, **missing})

    def _current_format(self) -> bool:
        try:
            doc = json.loads(read_secret(self.path))
        except ValueError:
            return False
        return isinstance(doc, dict) and doc.get("format") == KEYS_FORMAT

    # ------------------------------------------------------------------ lookups

    def entry(self, who: str, what: str = "--as") -> KeyEntry:
        """The key named ``who``, or the key whose address ``who`` is (``what`` names it in a
        refusal)."""
        ref = check_signer_ref(who)
        entries = self.entries()
        if not ref.startswith("0x"):
            if ref in entries:
                return entries[ref]
            known = ", ".join(sorted(entries)) or "none (run `yibao deploy` or `yibao key new NAME`)"
            raise InputError(f"{what} {ref}: no such key; known names: {known}")
        same = sorted((e for e in entries.values() if e.address == ref), key=lambda e: e.kind == "address")
        if not same:
            raise InputError(f"{what} {ref}: no key in {self.path} has this address (see `yibao key list`)")
        return same[0]

    def address(self, who: str, what: str = "account") -> str:
        """The address of ``who``: an address (any), or a key name (``what`` names the parameter
        it came from in a refusal: ``ACCOUNT``, ``--institution`` …)."""
        if who.startswith("0x") and not _PRIVATE_KEY.fullmatch(who):
            return checksum_address(who, what)
        return self.entry(who, what).address

    def signer(self, who: str, passwords: Passwords | None = None, what: str = "--as") -> LocalAccount:
        """The signing account of ``who`` (a keystore is decrypted here; ``what`` names where
        ``who`` came from in a refusal)."""
        from yibao.chain.backend import dev_account

        e = self.entry(who, what)
        if e.dev is not None:
            return dev_account(e.dev)
        if e.keystore is None:
            raise KeyRefused(f"key {e.name} is an address only ({e.address}); it cannot sign: "
                             f"`yibao key import NAME --keystore FILE` brings a key that can")
        path = self.home / e.keystore
        try:
            doc = json.loads(read_secret(path))
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"{path}: not a JSON keystore") from None
        account = decrypt_keystore(doc, (passwords or Passwords()).get(e.name), f"key {e.name} ({path})")
        if account.address != e.address:
            raise KeyRefused(f"{path} holds {account.address}, but keys.json says key {e.name} is {e.address}")
        return account

    # ------------------------------------------------------------------ new keys

    def store(self, name: str, private_key: bytes, password: str, *, light: bool = False) -> KeyEntry:
        """Encrypt ``private_key`` into ``keystores/NAME.json`` and name it."""
        from eth_account import Account

        check_name(name)
        if name in self.entries():
            raise InputError(f"key {name} exists already")
        if private_key.hex() in _dev_private_keys():
            raise KeyRefused(f"key {name}: that is well-known dev key {_dev_private_keys()[private_key.hex()]}; "
                             f"it is public and protects nothing (dev names need no import)")
        try:
            doc = Account.encrypt(private_key, password, kdf="scrypt",
                                  iterations=LIGHT_SCRYPT_N if light else SCRYPT_N)
        except ValueError as exc:
            raise InputError(f"key {name}: not a valid private key ({exc})") from None
        return self.store_keystore(name, doc)

    def store_keystore(self, name: str, doc: dict[str, Any]) -> KeyEntry:
        """Keep an encrypted keystore (already checked) as ``keystores/NAME.json`` and name it."""
        from eth_utils.address import to_checksum_address

        rel = f"{KEYSTORE_DIR}/{name}.json"
        entry = KeyEntry(name, to_checksum_address("0x" + str(doc["address"]).removeprefix("0x")), keystore=rel)
        private_dir(self.home)
        write_secret(self.home / rel, json.dumps(doc) + "\n", replace=False)
        try:
            self.add(entry)
        except BaseException:
            (self.home / rel).unlink()
            raise
        return entry


def decrypt_keystore(doc: Any, password: str, what: str) -> LocalAccount:
    """The account of an encrypted JSON keystore; a wrong password or a broken file is one line."""
    from eth_account import Account

    if not isinstance(doc, dict) or not isinstance(doc.get("crypto", doc.get("Crypto")), dict):
        raise InputError(f"{what}: not an encrypted JSON keystore")
    try:
        key = Account.decrypt(doc, password)
    except ValueError as exc:
        if "MAC" in str(exc):
            raise KeyRefused(f"{what}: wrong password") from None
        raise InputError(f"{what}: unreadable keystore ({exc})") from None
    except (KeyError, TypeError, NotImplementedError) as exc:
        raise InputError(f"{what}: unreadable keystore ({type(exc).__name__}: {exc})") from None
    account: LocalAccount = Account.from_key(key)
    if "address" in doc and str(doc["address"]).lower().removeprefix("0x") != account.address[2:].lower():
        raise KeyRefused(f"{what}: the keystore says address {doc['address']}, its key is {account.address}")
    return account


def parse_private_key(text: str, what: str) -> bytes:
    """A private key written as (0x and) 64 hex digits."""
    t = text.strip()
    if not _PRIVATE_KEY.fullmatch(t):
        raise InputError(f"{what}: must hold one private key, 64 hex digits")
    return bytes.fromhex(t.removeprefix("0x"))


__all__ = [
    "DEV_CHAIN_IDS",
    "KEYSTORE_DIR",
    "KEYS_FORMAT",
    "LIGHT_SCRYPT_N",
    "NAME_PATTERN",
    "PASSWORD_ENV",
    "PRIVATE_KEY_IN_ARGV",
    "SCRYPT_N",
    "KeyEntry",
    "KeyRing",
    "Passwords",
    "check_name",
    "check_private",
    "check_signer",
    "check_signer_ref",
    "checksum_address",
    "decrypt_keystore",
    "dev_addresses",
    "fund_on_dev_chain",
    "is_dev_chain",
    "parse_private_key",
    "password_env",
    "private_dir",
    "read_secret",
    "write_secret",
]
