"""What comes after a claim's decision: review, appeal, clawback, settlement, clearing,
freezing, contributions and the regional funds."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from yibao.cli.options import (
    ChainOptions,
    ClaimIdArg,
    ClaimInstitutionOpt,
    ClaimInvoiceOpt,
    NationalIdOpt,
    PseudonymOpt,
    RegionArg,
    account_ref,
    chain_options,
    claim_ref,
    money,
    out,
    person_of,
    positive_fen,
    region_code,
    tx_fields,
)
from yibao.codec import reason_word
from yibao.errors import ContractError, InputError
from yibao.evidence import digest_in

if TYPE_CHECKING:
    from yibao.client import Ledger, TxResult

review_app = typer.Typer(no_args_is_help=True, help="Reviewers' decisions on flagged and appealed claims")
fund_app = typer.Typer(no_args_is_help=True, help="Regional funds (统筹基金)")

ReasonOpt = Annotated[str, typer.Option(help="reason code: 1-32 of A-Z, 0-9, _")]
EvidenceOpt = Annotated[str, typer.Option(help="evidence reference (stored as its keyed hash)")]
InstitutionArg = Annotated[str, typer.Argument(parser=account_ref, help="institution: 0x address or key name")]


def _on_claim(opts: ChainOptions, claim: tuple[str | None, str | None, str | None], what: str,
              act: Callable[[Ledger, bytes], TxResult]) -> None:
    """Act on a stored claim, named by ``(CLAIM_ID, --institution, --invoice)``
    (:func:`yibao.cli.options.claim_ref`), and report the transaction with its new status."""
    ref = claim_ref(opts.workspace(), *claim)
    _, ledger = opts.open()
    view = ref.require(ledger)
    try:
        result = act(ledger, ref.claim_id)
    except ContractError as exc:
        if exc.name != "ClaimNotOwned":
            raise
        raise opts.hint(exc, _owns(int(view.institution)), "is its institution", "--as") from None
    status = ledger.claim(ref.claim_id).status.name
    doc = {"ok": True, "action": what, "claim_id": ref.hex, "status": status, **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] {what}: claim {ref.hex} is {status} "
                                     f"(gas {result.gas_used:,})"))


def _owns(index: int) -> Callable[[Ledger, str], bool]:
    """Whether an account is the institution of this index (the claim's institution, as stored)."""

    def owns(ledger: Ledger, address: str) -> bool:
        try:
            return index > 0 and ledger.institution(address).index == index
        except ContractError:  # not an institution
            return False

    return owns


def _evidence(opts: ChainOptions, text: str) -> bytes:
    """``text`` as its keyed hash under the bureau's evidence key (``evidence.key`` in the
    home folder, made on first use; :mod:`yibao.evidence`), zero when empty."""
    return digest_in(opts.workspace().home)(text)


def _review(decision: str) -> None:
    approve = decision == "approve"

    def command(opts: ChainOptions, claim_id: ClaimIdArg = None, institution: ClaimInstitutionOpt = None,
                invoice: ClaimInvoiceOpt = None, reason: ReasonOpt = "", evidence: EvidenceOpt = "") -> None:
        reason_word(reason)  # a reason that is not a code is refused before anything is touched
        _on_claim(opts, (claim_id, institution, invoice), f"review {decision}",
                  lambda ledger, cid: ledger.review(cid, approve, reason, _evidence(opts, evidence)))

    command.__doc__ = (f"{decision.capitalize()} a FLAGGED claim, or decide an APPEALED one (reviewer of its "
                       "region). Name it by CLAIM_ID, or by --institution and --invoice.")
    review_app.command(decision)(chain_options()(command))


_review("approve")
_review("reject")


@chain_options()
def appeal(opts: ChainOptions, claim_id: ClaimIdArg = None, institution: ClaimInstitutionOpt = None,
           invoice: ClaimInvoiceOpt = None) -> None:
    """Appeal a reviewer's rejection (the claim's institution, within appeal_days). Name the claim
    by CLAIM_ID, or by --institution and --invoice."""
    _on_claim(opts, (claim_id, institution, invoice), "appeal", lambda ledger, cid: ledger.appeal(cid))


@chain_options()
def clawback(opts: ChainOptions, claim_id: ClaimIdArg = None, institution: ClaimInstitutionOpt = None,
             invoice: ClaimInvoiceOpt = None, reason: ReasonOpt = "", evidence: EvidenceOpt = "") -> None:
    """Claw back a settled claim (regulator of the institution's region); its fund share
    becomes the institution's debt. Name the claim by CLAIM_ID, or by --institution and --invoice."""
    reason_word(reason)
    _on_claim(opts, (claim_id, institution, invoice), "clawback",
              lambda ledger, cid: ledger.clawback(cid, reason, _evidence(opts, evidence)))


# ---------------------------------------------------------------------- money


@chain_options()
def settle(
    opts: ChainOptions, account: InstitutionArg,
    ref: Annotated[str, typer.Option(help="payment order reference (stored as its keyed hash)")] = "",
) -> None:
    """Pay an institution its approved, unsettled fund shares (regulator of its region)."""
    ws, ledger = opts.open()
    addr = ws.resolve_account(account)
    result = ledger.settle(addr, _evidence(opts, ref))
    s = result.named("Settled")[0]
    doc = {"ok": True, "action": "settle", "institution": addr, "epoch": s["epoch"], "payable": s["payable_"],
           "netted": s["netted"], "cash": s["cash"], "claims": s["claims"],
           "cross_region": [{"home": e["home"], "treating": e["treating"], "amount": e["amount"], "owed": e["owed"]}
                            for e in result.named("CrossRegionOwed")],
           **tx_fields(result)}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] settled {addr}: {s['claims']} claim(s), payable {money(s['payable_'])}, "
        f"netted {money(s['netted'])}, paid {money(s['cash'])} (gas {result.gas_used:,})"))


@chain_options()
def clear(
    opts: ChainOptions,
    from_region: Annotated[int, typer.Argument(metavar="FROM", parser=region_code, help="paying (home) region")],
    to_region: Annotated[int, typer.Argument(metavar="TO", parser=region_code, help="receiving (treating) region")],
    amount: Annotated[int | None, typer.Option(
        parser=positive_fen, help="fen, or yuan as 123.45元 (default: all that is owed)")] = None,
) -> None:
    """Pay what FROM's fund owes TO's fund for cross-region care (regulator of FROM)."""
    if amount is not None and amount < 0:
        raise InputError("--amount must not be negative")
    _, ledger = opts.open()
    result = ledger.clear(from_region, to_region, amount)
    c = result.named("Cleared")[0]
    doc = {"ok": True, "action": "clear", "from": from_region, "to": to_region, "amount": c["amount"],
           "still_owed": c["stillOwed"], "gas_used": result.gas_used, "tx": result.tx_hash}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] {from_region} paid {to_region} {money(c['amount'])}; still owed {money(c['stillOwed'])}"))


def _freeze_command(frozen: bool) -> Callable[..., None]:
    """The ``freeze`` (or ``unfreeze``) command."""

    def command(opts: ChainOptions, account: InstitutionArg) -> None:
        ws, ledger = opts.open()
        addr = ws.resolve_account(account)
        opts.tx(f"{addr} {'frozen' if frozen else 'unfrozen'}", ledger.set_frozen(addr, frozen))

    command.__doc__ = f"{'Freeze' if frozen else 'Unfreeze'} an institution's payouts (regulator of its region)."
    return chain_options()(command)


freeze = _freeze_command(True)
unfreeze = _freeze_command(False)


@chain_options()
def contribute(
    opts: ChainOptions,
    amount: Annotated[int, typer.Option(parser=positive_fen, help="fen (1 to 2^64 - 1), or yuan as 123.45元")],
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Record a contribution (缴费) to the person's home-region fund (operator of that region)."""
    if amount < 0:
        raise InputError("--amount must not be negative")
    ws, ledger = opts.open()
    person = person_of(ws, national_id, pseudonym)
    result = ledger.contribute(person, amount)
    doc = {"ok": True, "action": "contribute", "person": "0x" + person.hex(), "amount": amount, **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] contribution of {money(amount)} recorded "
                                     f"(gas {result.gas_used:,})"))


@fund_app.command("show")
@chain_options(signer=None)
def fund_show(opts: ChainOptions, region: RegionArg) -> None:
    """A region's fund, the law check, and what other regions owe it and it owes them."""
    from yibao.client.reports import fund_report

    _, ledger = opts.open()
    doc = fund_report(ledger, region)

    def human() -> None:
        t = Table(title=f"Fund of {region} {doc['name']}", show_header=False)
        t.add_column("field", style="bold")
        t.add_column("元", justify="right")
        for k in ("opening", "contributions", "settled", "clearing_in", "clearing_out", "recovered", "balance"):
            t.add_row(k.replace("_", " "), money(doc[k]))
        out.print(t)
        law = doc["law"]
        mark = "[green]✓ holds[/]" if law["holds"] else f"[red]✗ broken: expected {money(law['expected_balance'])}[/]"
        out.print(f"balance = opening + contributions − settled + clearing in − clearing out + recovered: {mark}")
        for o in doc["owed_to_it"]:
            out.print(f"  {o['region']} owes it {money(o['amount'])}")
        for o in doc["it_owes"]:
            out.print(f"  it owes {o['region']} {money(o['amount'])}")

    opts.emit(doc, human)


__all__ = [
    "appeal",
    "clawback",
    "clear",
    "contribute",
    "freeze",
    "fund_app",
    "review_app",
    "settle",
    "unfreeze",
]
