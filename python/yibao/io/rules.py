"""A bureau's rule base from files: policy versions (JSON) and catalogue items (CSV or JSON).

The entries have the fields of a scenario file's ``policies`` and ``catalogue`` entries and are
validated by the same models (:class:`yibao.io.schema.Policy`, :class:`yibao.io.schema.Item`),
so a bad entry is one line naming the file, the entry and the key. Loading checks every
transaction as a call before sending any, so a refusal (a missing role, an unknown region, a
version not after the latest) writes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yibao import inputs
from yibao.client import ITEM_BATCH, Ledger, TxResult, iter_chunks
from yibao.codec import item_tuple, policy_tuple
from yibao.errors import InputError
from yibao.io.schema import Item, Policy, one_line, problem_lines
from yibao.model.types import CatalogueItem, PolicyVersion
from yibao.names import check_name

ITEM_COLUMNS = ("region", "code", "category", "price_cap", "inpatient_only", "max_qty", "min_interval_days", "name",
                "sex", "min_age", "max_age", "min_level")
#: The optional restriction columns (限定支付): kept off chain, for screening only.
RESTRICTION_COLUMNS = ("sex", "min_age", "max_age", "min_level")
_INT_COLUMNS = ("region", "price_cap", "max_qty", "min_interval_days", "min_age", "max_age", "min_level")
#: The oldest age a restriction may name.
MAX_AGE = 150


@dataclass(frozen=True)
class RestrictionEntry:
    """Who a catalogue item is for (限定支付): a sex, an age range in whole years, a lowest
    institution level; None where the item has no such restriction."""

    region: int
    code: str
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_level: int | None = None


def _restriction(region: int, code: str, given: dict[str, Any], where: str) -> RestrictionEntry | None:
    """An entry's restriction fields checked (every bad one named); None if it has none."""
    if not given:
        return None
    problems = inputs.Problems(where)
    sex = given.get("sex")
    if sex is not None and (not isinstance(sex, str) or sex.strip().upper() not in ("M", "F")):
        problems.add(f"{where}: sex {sex!r} is not M or F")
    for name, top in (("min_age", MAX_AGE), ("max_age", MAX_AGE), ("min_level", 3)):
        v = given.get(name)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top):
            problems.add(f"{where}: {name} {v!r} is not an integer 0..{top}")
    lo, hi = given.get("min_age"), given.get("max_age")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        problems.add(f"{where}: min_age {lo} is above max_age {hi}")
    problems.raise_if_any()
    return RestrictionEntry(region, code, sex.strip().upper() if isinstance(sex, str) else None,
                           given.get("min_age"), given.get("max_age"), given.get("min_level"))


def _read_json(path: Path) -> Any:
    return inputs.loads(inputs.read_text(path), str(path))


def _validate(model: Any, doc: Any, where: str) -> Any:
    if not isinstance(doc, dict):
        raise InputError(f"{where}: must be a JSON object")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise InputError(f"{where}: {one_line(exc)}", tuple(f"{where}: {p}" for p in problem_lines(exc))) from None


# ---------------------------------------------------------------------- policies


def read_policies(path: Path) -> list[PolicyVersion]:
    """A JSON file holding one policy entry or a list of them (each checked fully)."""
    doc = _read_json(path)
    entries = doc if isinstance(doc, list) else [doc]
    if not entries:
        raise InputError(f"{path}: no policies")
    listed = isinstance(doc, list)

    def where(i: int) -> str:
        return f"{path}[{i}]" if listed else str(path)

    problems = inputs.Problems(str(path))
    out = []
    for i, e in enumerate(entries):
        with problems.entry():
            out.append(_validate(Policy, e, where(i)).to_model())
    problems.raise_if_any()
    last: dict[tuple[int, int], tuple[int, Any]] = {}
    for i, p in enumerate(out):
        key = (p.region, int(p.scheme))
        if key in last and p.effective_from <= last[key][1]:
            raise InputError(f"{where(i)}: effective_from {p.effective_from} is not after "
                             f"{last[key][1]} of entry {last[key][0]} ({p.region} {p.scheme.name})")
        last[key] = (i, p.effective_from)
    return out


def add_policies(ledger: Ledger, policies: Sequence[PolicyVersion]) -> list[TxResult]:
    """Add policy versions; all are checked as calls before the first is sent."""
    for p in policies:
        ledger.dry_run("addPolicy", p.region, int(p.scheme), policy_tuple(p))
    return [ledger.add_policy(p) for p in policies]


# ---------------------------------------------------------------------- catalogue


def _csv_value(column: str, text: str, where: str) -> Any:
    t = text.strip()
    if column in _INT_COLUMNS:
        try:
            return int(t)
        except ValueError:
            raise InputError(f"{where}: {column}: {t!r} is not an integer") from None
    if column == "inpatient_only":
        low = t.lower()
        if low in ("true", "yes", "1", "y"):
            return True
        if low in ("false", "no", "0", "n"):
            return False
        raise InputError(f"{where}: inpatient_only: {t!r} is not true or false")
    return t


def _read_item_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, entry) per item of a CSV or JSON file; empty CSV cells take the defaults."""
    if path.suffix.lower() == ".json":
        doc = _read_json(path)
        if isinstance(doc, dict) and isinstance(doc.get("catalogue"), list):
            doc = doc["catalogue"]
        if not isinstance(doc, list):
            raise InputError(f"{path}: must be a JSON list of items")
        return [(f"{path}[{i}]", e) for i, e in enumerate(doc)]
    if path.suffix.lower() != ".csv":
        raise InputError(f"{path}: give a .csv or .json file")
    rows: list[tuple[str, dict[str, Any]]] = []
    problems = inputs.Problems(str(path))
    with io.StringIO(inputs.read_text(path), newline="") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        if not header:
            raise InputError(f"{path}: empty file")
        unknown = [h for h in header if h not in ITEM_COLUMNS]
        if unknown:
            raise InputError(f"{path}:1: unknown column {unknown[0]!r} (columns: {', '.join(ITEM_COLUMNS)})")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if not row or all(not c.strip() for c in row):
                continue
            with problems.entry():
                if len(row) != len(header):
                    raise InputError(f"{where}: expected {len(header)} fields, got {len(row)}")
                rows.append((where, _csv_entry(header, row, where)))
    problems.raise_if_any()
    return rows


def _csv_entry(header: list[str], row: list[str], where: str) -> dict[str, Any]:
    """A CSV row as an entry (empty cells left out); every bad cell of the row named."""
    problems = inputs.Problems(where)
    entry: dict[str, Any] = {}
    for h, v in zip(header, row, strict=True):
        if v.strip():
            with problems.entry():
                entry[h] = _csv_value(h, v, where)
    problems.raise_if_any()
    return entry


def read_items(path: Path, region: int | None = None,
               names: dict[tuple[int, str], str] | None = None,
               restrictions: dict[tuple[int, str], RestrictionEntry] | None = None) -> dict[int, list[CatalogueItem]]:
    """Catalogue items of a file by region; ``region`` fills entries that name none.
    A code given twice for one region is refused (line named). An entry's human ``name``
    (kept off chain, :mod:`yibao.names`) is checked and put in ``names`` by (region, code);
    its restriction fields (``sex``, ``min_age``, ``max_age``, ``min_level``, kept off chain)
    are checked and put in ``restrictions``."""
    rows = _read_item_rows(path)
    if not rows:
        raise InputError(f"{path}: no items")
    out: dict[int, list[CatalogueItem]] = {}
    seen: dict[tuple[int, str], str] = {}
    problems = inputs.Problems(str(path))
    for where, entry in rows:
        if region is not None and isinstance(entry, dict) and "region" not in entry:
            entry = {**entry, "region": region}
        name = entry.pop("name", None) if isinstance(entry, dict) else None
        limits = {k: entry.pop(k) for k in RESTRICTION_COLUMNS if k in entry} if isinstance(entry, dict) else {}
        with problems.entry():
            label = None if name is None else check_name(name, f"{where}: name")
            it = _validate(Item, entry, where)
            limit = _restriction(it.region, it.code, limits, where)
            if names is not None and label is not None:
                names[(it.region, it.code)] = label
            if restrictions is not None and limit is not None:
                restrictions[(it.region, it.code)] = limit
            if (it.region, it.code) in seen:
                raise InputError(f"{where}: item {it.code} of {it.region} already given at "
                                 f"{seen[(it.region, it.code)]}")
            seen[(it.region, it.code)] = where
            out.setdefault(it.region, []).append(it.to_model())
    problems.raise_if_any()
    return out


def load_items(ledger: Ledger, items: dict[int, list[CatalogueItem]]) -> list[TxResult]:
    """Set the items of every region; every transaction is checked as a call first."""
    for region, its in items.items():
        for chunk in iter_chunks([item_tuple(it) for it in its], ITEM_BATCH):
            ledger.dry_run("setItems", region, list(chunk))
    results: list[TxResult] = []
    for region, its in items.items():
        results.extend(ledger.set_items(region, its))
    return results


__all__ = [
    "ITEM_COLUMNS",
    "MAX_AGE",
    "RESTRICTION_COLUMNS",
    "RestrictionEntry",
    "add_policies",
    "load_items",
    "read_items",
    "read_policies",
]
