"""Human names of institutions and catalogue items, kept off chain next to the manifest.

The contracts store no strings for institutions and items (a name on chain would cost gas at
every designation and every catalogue change), so the bureau's names for them live in
``names.json`` beside the deployment's manifest (``.yibao/names.json`` in a CLI home)::

    {"ledger": "0x…", "institutions": {"0xAbC…": "重庆市第一人民医院"},
     "items": {"500000": {"XA01": "阿莫西林胶囊"}}}

The file belongs to one deployment (``ledger``): names recorded for another deployment are
not shown, and the first write for a new deployment starts a new file. It is written
atomically (a temporary file, fsynced, renamed over the old one), so a reader sees the old
names or the new ones, never half a file. Region names are on chain (``addRegion``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from web3 import Web3

from yibao import inputs
from yibao.errors import InputError
from yibao.keys import write_secret

#: The longest name kept (characters).
NAME_MAX = 64
FILE_NAME = "names.json"


def check_name(text: str, what: str = "name") -> str:
    """A name: 1–64 printable characters (no control characters, no line breaks), trimmed."""
    if not isinstance(text, str):
        raise InputError(f"{what} must be text")
    t = text.strip()
    if not t:
        raise InputError(f"{what} is empty")
    if len(t) > NAME_MAX:
        raise InputError(f"{what} is longer than {NAME_MAX} characters")
    if not t.isprintable():
        raise InputError(f"{what} {t[:40]!r} has a control character or a line break")
    return t


class Names:
    """The names file of one deployment (``ledger``) at ``path``."""

    def __init__(self, path: Path, ledger: str) -> None:
        self.path = path
        self.ledger = Web3.to_checksum_address(ledger)
        self.institutions: dict[str, str] = {}
        self.items: dict[int, dict[str, str]] = {}
        if path.exists():
            self._read()

    @classmethod
    def beside(cls, manifest_path: Path, ledger: str) -> Names:
        """The names file next to the manifest at ``manifest_path``."""
        return cls(manifest_path.with_name(FILE_NAME), ledger)

    def _read(self) -> None:
        doc = inputs.loads(inputs.read_text(self.path), str(self.path))
        if not isinstance(doc, dict):
            raise InputError(f"{self.path}: must be a JSON object")
        if str(doc.get("ledger", "")).lower() != self.ledger.lower():
            return  # another deployment's names
        inst, items = doc.get("institutions", {}), doc.get("items", {})
        if not isinstance(inst, dict) or not isinstance(items, dict):
            raise InputError(f"{self.path}: institutions and items must be JSON objects")
        for addr, name in inst.items():
            self.institutions[_address(addr, self.path)] = check_name(name, f"{self.path}: name of {addr}")
        for region, codes in items.items():
            if not (isinstance(region, str) and region.isdigit() and isinstance(codes, dict)):
                raise InputError(f"{self.path}: items: {region!r} is not a region code with its items")
            self.items[int(region)] = {str(c): check_name(n, f"{self.path}: name of {region} {c}")
                                       for c, n in codes.items()}

    # ------------------------------------------------------------------ reading

    def institution(self, account: str | None) -> str | None:
        """The name of the institution at ``account``, if one was given."""
        return self.institutions.get(Web3.to_checksum_address(account)) if account else None

    def item(self, region: int, code: str) -> str | None:
        """The name of item ``code`` of ``region``, if one was given."""
        return self.items.get(region, {}).get(code)

    # ------------------------------------------------------------------ writing

    def set_institution(self, account: str, name: str) -> None:
        self.institutions[Web3.to_checksum_address(account)] = check_name(name)

    def set_items(self, names: Mapping[tuple[int, str], str]) -> None:
        for (region, code), name in names.items():
            self.items.setdefault(region, {})[code] = check_name(name, f"name of {region} {code}")

    def drop_items(self, region: int, codes: Iterable[str]) -> None:
        kept = self.items.get(region, {})
        for c in codes:
            kept.pop(c, None)

    def to_json(self) -> dict[str, Any]:
        return {"ledger": self.ledger, "institutions": dict(sorted(self.institutions.items())),
                "items": {str(r): dict(sorted(v.items())) for r, v in sorted(self.items.items()) if v}}

    def save(self) -> None:
        """Write the file atomically (mode 0600, as the home's key files: :func:`yibao.keys.write_secret`)."""
        write_secret(self.path, json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n")


def _address(text: object, where: Path) -> str:
    if not (isinstance(text, str) and Web3.is_address(text)):
        raise InputError(f"{where}: {str(text)[:50]!r} is not an address")
    return str(Web3.to_checksum_address(text))


__all__ = ["FILE_NAME", "NAME_MAX", "Names", "check_name"]
