"""Rule-base commands: policy versions and catalogue items from files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yibao.cli.options import ChainOptions, chain_options, out, region_code, text_file

if TYPE_CHECKING:
    from yibao.client import TxResult

policy_app = typer.Typer(no_args_is_help=True, help="Policy versions (待遇政策)")
catalogue_app = typer.Typer(no_args_is_help=True, help="Catalogue items (医保目录)")


def _sent(results: Sequence[TxResult]) -> dict[str, object]:
    """The fields of a document about several transactions."""
    return {"transactions": len(results), "gas_used": sum(r.gas_used for r in results),
            "tx": [r.tx_hash for r in results]}


@policy_app.command("add")
@chain_options()
def policy_add(
    opts: ChainOptions,
    file: Annotated[Path, typer.Argument(
        parser=text_file, help="JSON: one policy entry (fields of a scenario policy) or a list")],
) -> None:
    """Add policy versions from a JSON file (regulator of each region); all checked before any is sent."""
    from yibao.io.rules import add_policies, read_policies

    policies = read_policies(file)
    _, ledger = opts.open()
    results = add_policies(ledger, policies)
    rows = [{"region": p.region, "scheme": p.scheme.name, "effective_from": p.effective_from.isoformat()}
            for p in policies]
    doc = {"ok": True, "policies": rows, **_sent(results)}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] {len(policies)} policy version(s) added: "
        + "; ".join(f"{p['region']} {p['scheme']} from {p['effective_from']}" for p in rows)))


@catalogue_app.command("load")
@chain_options()
def catalogue_load(
    opts: ChainOptions,
    file: Annotated[Path, typer.Argument(
        parser=text_file, help="CSV (header: region,code,category[,price_cap,inpatient_only,"
                               "max_qty,min_interval_days]) or a JSON list of items")],
    region: Annotated[int | None, typer.Option(parser=region_code, help="region of entries that name none")] = None,
) -> None:
    """Add or change catalogue items (regulator of each region); all checked before any is sent."""
    from yibao.io.rules import load_items, read_items

    items = read_items(file, region)
    _, ledger = opts.open()
    results = load_items(ledger, items)
    n = sum(len(v) for v in items.values())
    per_region = {str(r): len(v) for r, v in items.items()}
    doc = {"ok": True, "items": n, "regions": per_region, **_sent(results)}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] {n} catalogue item(s) set in {len(results)} transaction(s): "
        + ", ".join(f"{r}: {k}" for r, k in per_region.items())))


__all__ = ["catalogue_app", "policy_app"]
