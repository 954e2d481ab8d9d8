"""``yibao patient …``: the insured person's own view (费用透明), with the key of the wallet
bound to them and only with it — claims with the split, payments by the fund, this year's
deductible and caps, the data-use trail — and their word on a claim (confirm or dispute)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.consents import FhirOpt, patient_person, trail_out
from yibao.cli.options import ChainOptions, chain_options, claim_id_text, money, out, tx_fields
from yibao.cli.records import RelayOpt, relay
from yibao.errors import InputError
from yibao.model.types import ClaimStatus, Feedback

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.names import Names

patient_app = typer.Typer(no_args_is_help=True, help="The insured person's own view: claims, payments, trail, "
                                                     "confirm, dispute")

PatientAs = Annotated[str | None, typer.Option(
    "--as", help="the patient's key: the wallet bound to them (`person bind-wallet`)")]
ClaimArg = Annotated[str, typer.Argument(parser=claim_id_text, metavar="CLAIM", help="claim id (0x and 64 hex)")]


def dispute_code(text: str) -> str:
    t = text.strip().upper()
    if t not in ("NOT_RECEIVED", "NOT_AS_BILLED"):
        raise InputError(f"--code {text[:20]!r}: NOT_RECEIVED or NOT_AS_BILLED")
    return t


def own_claims(ledger: Ledger, person: bytes, names: Names | None = None) -> list[dict[str, Any]]:
    """Every claim of the person's: the split (billed, fund, own pay) and the patient's feedback."""
    from yibao.client.queries import PAGE_MAX, ClaimQuery, Page, list_claims

    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = list_claims(ledger, ClaimQuery(person=person), Page(PAGE_MAX, offset), names)
        rows += page["claims"]
        if page["next_offset"] is None:
            break
        offset = int(page["next_offset"])
    for r in rows:
        r["feedback"] = ledger.feedback_of(bytes.fromhex(r["claim_id"][2:])).name
        r.pop("member", None)
    return rows


def _patient(opts: ChainOptions) -> tuple[Ledger, bytes, Names]:
    from yibao.cli.query_options import names_of

    ws, ledger = opts.open()
    return ledger, patient_person(ledger), names_of(opts, ws, ledger)


@patient_app.command("claims")
@chain_options(signer=PatientAs)
def patient_claims(opts: ChainOptions) -> None:
    """My claims: what was billed, what the fund paid, what I paid, and the year's counters."""
    from yibao.client.listings import person_year

    ledger, person, names = _patient(opts)
    rows = own_claims(ledger, person, names)
    year = person_year(ledger, ledger.person(person), ledger.today())
    doc = {"person": "0x" + person.hex(), "claims": rows, "year": year,
           "totals": {k: sum(r[k] for r in rows if r["status"] != "REJECTED") for k in ("billed", "fund", "patient")}}

    def human() -> None:
        t = Table("service", "institution", "status", "billed", "fund paid", "own pay", "feedback")
        for r in rows:
            t.add_row(r["service_date"], r["institution_name"] or r["institution"], r["status"], money(r["billed"]),
                      money(r["fund"]), money(r["patient"]), r["feedback"])
        out.print(t)
        left = year.get("deductible_left")
        out.print(f"{year['year']}: deductible used {money(year['deductible_used'])}"
                  + (f", left {money(left)}; outpatient cap left {money(year['op_cap_left'])}" if left is not None
                     else ""))

    opts.emit(doc, human)


@patient_app.command("payments")
@chain_options(signer=PatientAs)
def patient_payments(opts: ChainOptions) -> None:
    """What the fund paid for me: each claim's fund share and the settlement that paid it (or
    that it awaits, or the clawback that took it back)."""
    from yibao.client.history import claim_history

    ledger, person, names = _patient(opts)
    rows = []
    for r in own_claims(ledger, person, names):
        if r["fund"] == 0 and r["status"] not in (ClaimStatus.CLAWED_BACK.name,):
            continue
        steps = {s["step"]: s for s in claim_history(ledger, bytes.fromhex(r["claim_id"][2:]))}
        settled = steps.get("settled")
        rows.append({"claim_id": r["claim_id"], "service_date": r["service_date"], "institution": r["institution"],
                     "institution_name": r["institution_name"], "status": r["status"], "fund": r["fund"],
                     "patient": r["patient"], "settled": settled["time"] if settled else None,
                     "settlement_tx": settled["tx"] if settled else None,
                     "clawed_back": steps["clawed_back"]["time"] if "clawed_back" in steps else None})
    doc = {"person": "0x" + person.hex(), "payments": rows,
           "paid": sum(r["fund"] for r in rows if r["settled"] and not r["clawed_back"])}

    def human() -> None:
        t = Table("service", "institution", "fund share", "status", "settled")
        for r in rows:
            t.add_row(r["service_date"], r["institution_name"] or r["institution"], money(r["fund"]), r["status"],
                      r["settled"] or "—")
        out.print(t)
        out.print(f"paid by the fund: {money(doc['paid'])}")

    opts.emit(doc, human)


@patient_app.command("trail")
@chain_options(signer=PatientAs)
def patient_trail(opts: ChainOptions, fhir: FhirOpt = False) -> None:
    """Who read my records, when, why and on what basis (--fhir: as FHIR R4B AuditEvents)."""
    ledger, person, _ = _patient(opts)
    trail_out(opts, ledger, person, fhir, {"person": "0x" + person.hex()})


def _feedback(opts: ChainOptions, claim: str, code: Feedback, relay_as: str | None) -> None:
    ws, ledger = opts.open()
    patient_person(ledger)
    result = relay(ws, ledger, relay_as).give_feedback(ledger.signer, bytes.fromhex(claim[2:]), code)
    doc = {"ok": True, "action": f"patient {code.name.lower()}", "claim_id": claim, "feedback": code.name,
           "alert": code is not Feedback.CONFIRMED, **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] claim {claim[:18]}… {code.name}"
                                     + (" — the regulator is alerted" if doc["alert"] else "")))


@patient_app.command("confirm")
@chain_options(signer=PatientAs)
def patient_confirm(opts: ChainOptions, claim: ClaimArg, relay_as: RelayOpt = None) -> None:
    """Confirm a claim of mine: I received what was billed."""
    _feedback(opts, claim, Feedback.CONFIRMED, relay_as)


@patient_app.command("dispute")
@chain_options(signer=PatientAs)
def patient_dispute(
    opts: ChainOptions, claim: ClaimArg,
    code: Annotated[str, typer.Option(parser=dispute_code, help="NOT_RECEIVED or NOT_AS_BILLED")],
    relay_as: RelayOpt = None,
) -> None:
    """Dispute a claim of mine: an alert to the regulator and a HIGH screening lead (PATIENT_DISPUTE)."""
    _feedback(opts, claim, Feedback[code], relay_as)


__all__ = ["dispute_code", "own_claims", "patient_app"]
