"""Rule-base commands: policy versions and catalogue items from files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yibao.cli.options import ChainOptions, chain_options, day_text, out, region_code, table, text_file
from yibao.cli.query_options import SchemeOpt, item_code_text, names_of, rows_table
from yibao.units import parse_date

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
                               "max_qty,min_interval_days,name]) or a JSON list of items")],
    region: Annotated[int | None, typer.Option(parser=region_code, help="region of entries that name none")] = None,
) -> None:
    """Add or change catalogue items (regulator of each region); all checked before any is sent.
    An item's name (the name column or field) is kept off chain, in names.json."""
    from yibao.io.rules import load_items, read_items

    labels: dict[tuple[int, str], str] = {}
    items = read_items(file, region, labels)
    ws, ledger = opts.open()
    results = load_items(ledger, items)
    if labels:
        names = names_of(opts, ws, ledger)
        names.set_items(labels)
        names.save()
    n = sum(len(v) for v in items.values())
    per_region = {str(r): len(v) for r, v in items.items()}
    doc = {"ok": True, "items": n, "regions": per_region, **_sent(results)}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] {n} catalogue item(s) set in {len(results)} transaction(s): "
        + ", ".join(f"{r}: {k}" for r, k in per_region.items())))


RegionFilter = Annotated[int | None, typer.Option(parser=region_code, help="only this region's")]
POLICY_COLUMNS = ("region", "scheme", "effective_from", "effective_to", "op_deductible", "op_annual_cap",
                  "annual_cap", "monthly_visit_limit", "review_threshold")
ITEM_COLUMNS = ("region", "code", "name", "category", "price_cap", "inpatient_only", "max_qty", "min_interval_days")


@policy_app.command("list")
@chain_options(signer=None)
def policy_list(opts: ChainOptions, region: RegionFilter = None) -> None:
    """List every policy version (of a region) with the days it is in force."""
    from yibao.client.listings import list_policies

    _, ledger = opts.open()
    rows = list_policies(ledger, region)
    opts.emit({"policies": rows}, lambda: rows_table(rows, POLICY_COLUMNS))


@policy_app.command("show")
@chain_options(signer=None)
def policy_show(
    opts: ChainOptions,
    region: Annotated[int, typer.Option(parser=region_code, help="region code (6 digits)")],
    scheme: SchemeOpt = None,
    date: Annotated[str | None, typer.Option(parser=day_text, help="in force on YYYY-MM-DD (default: today)")] = None,
) -> None:
    """Show the policy versions of a region in force on a date (each scheme, or --scheme)."""
    from yibao.client.listings import policies_in_force
    from yibao.model.types import Scheme

    _, ledger = opts.open()
    day = parse_date(date, "--date") if date else ledger.today()
    rows = policies_in_force(ledger, region, day, Scheme[scheme] if scheme else None)

    def human() -> None:
        for r in rows:
            table(f"{region} {r['scheme']} from {r['effective_from']}", r)

    opts.emit({"date": day.isoformat(), "policies": rows}, human)


@catalogue_app.command("list")
@chain_options(signer=None)
def catalogue_list(opts: ChainOptions, region: RegionFilter = None) -> None:
    """List the catalogue (of a region) as it stands, with the items' names."""
    from yibao.client.listings import list_items

    ws, ledger = opts.open()
    rows = list_items(ledger, region, names_of(opts, ws, ledger))
    opts.emit({"items": rows}, lambda: rows_table(rows, ITEM_COLUMNS))


@catalogue_app.command("show")
@chain_options(signer=None)
def catalogue_show(
    opts: ChainOptions,
    code: Annotated[str, typer.Argument(parser=item_code_text, help="item code")],
    region: RegionFilter = None,
) -> None:
    """Show a catalogue item as stored in a region (or in every region that has it)."""
    from yibao.client.listings import show_item

    ws, ledger = opts.open()
    rows = show_item(ledger, code, region, names_of(opts, ws, ledger))
    opts.emit({"items": rows}, lambda: rows_table(rows, ITEM_COLUMNS))


@catalogue_app.command("remove")
@chain_options()
def catalogue_remove(
    opts: ChainOptions,
    codes: Annotated[list[str], typer.Argument(parser=item_code_text, help="item codes")],
    region: Annotated[int, typer.Option(parser=region_code, help="region code (6 digits)")],
) -> None:
    """Remove catalogue items of a region (regulator of the region); all checked before any is sent."""
    from yibao.client import ITEM_BATCH, iter_chunks
    from yibao.client.listings import require_region
    from yibao.codec import encode_code

    ws, ledger = opts.open()
    require_region(ledger, region)
    for chunk in iter_chunks([encode_code(c) for c in codes], ITEM_BATCH):
        ledger.dry_run("removeItems", region, list(chunk))
    results = ledger.remove_items(region, codes)
    names = names_of(opts, ws, ledger)
    if any(names.item(region, c) for c in codes):
        names.drop_items(region, codes)
        names.save()
    doc = {"ok": True, "items": len(codes), "region": region, **_sent(results)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] {len(codes)} catalogue item(s) of {region} removed"))


__all__ = ["catalogue_app", "policy_app"]
