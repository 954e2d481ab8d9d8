"""Key commands: make, import and list the named signing keys of a home folder.

A key is an encrypted JSON keystore below the home (``keystores/NAME.json``, mode 0600),
named in ``keys.json`` (:mod:`yibao.keys`). A private key never comes from argv: it is read
from a file or stdin (``--private-key-file FILE``, ``-`` for stdin) and encrypted at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao import inputs
from yibao.cli.options import HomeOpt, JsonOpt, PasswordFileOpt, account_ref, emit, out
from yibao.errors import InputError
from yibao.keys import KeyEntry, KeyRing, Passwords, check_name, decrypt_keystore, parse_private_key, read_secret

key_app = typer.Typer(no_args_is_help=True, help="Signing keys: encrypted keystores named in keys.json")

NameArg = Annotated[str, typer.Argument(parser=check_name, help="key name (a letter, then letters, digits, _ or -)")]
LightOpt = Annotated[bool, typer.Option(
    "--light-kdf", help="weaker, faster scrypt (n=4096) for trials and tests, like geth's --lightkdf")]


def _ring(home: Path | None) -> KeyRing:
    from yibao.workspace import Workspace

    return KeyRing(Workspace.at(home).home)


def _added(entry: KeyEntry, ring: KeyRing, as_json: bool, how: str) -> None:
    doc = {"ok": True, "name": entry.name, "kind": entry.kind, **entry.to_json()}
    where = f" in {ring.home / entry.keystore}" if entry.keystore else ""
    emit(as_json, doc, lambda: out.print(f"[green]✓[/] key {entry.name} {how}: {entry.address}{where}"))


@key_app.command("new")
def key_new(
    name: NameArg, home: HomeOpt = None, password_file: PasswordFileOpt = None,
    light_kdf: LightOpt = False, as_json: JsonOpt = False,
) -> None:
    """Make a new key, encrypted with a password (from --password-file, $YIBAO_KEY_PASSWORD_NAME,
    $YIBAO_KEY_PASSWORD or a prompt)."""
    from eth_account import Account

    ring = _ring(home)
    if name in ring.entries():
        raise InputError(f"key {name} exists already")
    password = Passwords(password_file).get(name, new=True)
    entry = ring.store(name, bytes(Account.create().key), password, light=light_kdf)
    _added(entry, ring, as_json, "made")


def _read_private_key(source: str) -> bytes:
    if source == "-":
        return parse_private_key(sys.stdin.readline(), "stdin")
    return parse_private_key(read_secret(Path(source)), source)


@key_app.command("import")
def key_import(
    name: NameArg,
    keystore: Annotated[Path | None, typer.Option(help="an encrypted JSON keystore (geth, clef, MetaMask…)")] = None,
    private_key_file: Annotated[str | None, typer.Option(
        "--private-key-file", help="file (mode 0600) or - for stdin holding a hex private key; encrypted here")] = None,
    address: Annotated[str | None, typer.Option(
        parser=account_ref, help="an address only: names an account that signs elsewhere")] = None,
    home: HomeOpt = None, password_file: PasswordFileOpt = None, light_kdf: LightOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Name a key: a keystore (its password is checked), a private key read from a file or
    stdin (encrypted into a keystore), or an address only."""
    given = [x for x in (keystore, private_key_file, address) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one of --keystore, --private-key-file and --address")
    ring = _ring(home)
    if name in ring.entries():
        raise InputError(f"key {name} exists already")
    if address is not None:
        if address.startswith("0x") and len(address) == 42:
            entry = KeyEntry(name, address)
        else:
            entry = KeyEntry(name, ring.entry(address).address)
        ring.add(entry)
        _added(entry, ring, as_json, "named")
        return
    if private_key_file is not None:
        key = _read_private_key(private_key_file)
        entry = ring.store(name, key, Passwords(password_file).get(name, new=True), light=light_kdf)
        _added(entry, ring, as_json, "imported")
        return
    assert keystore is not None
    try:
        text = keystore.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{keystore}: not a readable JSON keystore ({type(exc).__name__})") from None
    doc = inputs.loads(text, f"{keystore}: not a JSON keystore")
    account = decrypt_keystore(doc, Passwords(password_file).get(name), str(keystore))
    doc["address"] = account.address[2:].lower()
    entry = ring.store_keystore(name, doc)
    _added(entry, ring, as_json, "imported")


@key_app.command("list")
def key_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """The named keys: name, kind (keystore, dev, address) and address. Never a secret."""
    ring = _ring(home)
    entries = ring.entries()
    rows = [{"name": e.name, "kind": e.kind, **e.to_json()} for e in entries.values()]

    def human() -> None:
        t = Table(title=f"keys of {ring.home}")
        for col in ("name", "kind", "address", "keystore"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["name"], r["kind"], r["address"], r.get("keystore", "") or "")
        out.print(t)

    emit(as_json, {"keys": rows}, human)


__all__ = ["key_app"]
