"""Claim commands: submit a claim, show a stored one, and tell its history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.options import (
    ChainOptions,
    ClaimIdArg,
    ClaimInstitutionOpt,
    ClaimInvoiceOpt,
    ClaimRef,
    amount,
    chain_options,
    claim_batch,
    claim_ref,
    claimed_fund as fund_share,
    day_text,
    err,
    money,
    national_id_text,
    out,
    person_of,
    pseudonym_text,
    whole_number,
)
from yibao.keys import check_signer_ref
from yibao.errors import ContractError, InputError
from yibao.evidence import digest_in
from yibao.units import parse_date

if TYPE_CHECKING:
    from yibao.client import ClaimInput, ClaimResult, Ledger
    from yibao.model.types import ClaimLine
    from yibao.workspace import Workspace

claim_app = typer.Typer(no_args_is_help=True, help="Claims (结算单): submit, show, history")

InstitutionAsOpt = Annotated[
    str | None, typer.Option("--institution-as", "--as", parser=check_signer_ref,
                             help="the institution's signing key: a key name or its address")
]


def parse_line(text: str) -> ClaimLine:
    """A claim line given as ``CODE:QTY:PRICE`` (the unit price in fen, or in yuan with the unit:
    ``XA01:2:12550`` or ``XA01:2:125.50元``)."""
    from yibao.model.types import ClaimLine

    parts = text.rsplit(":", 2)
    shown = repr(text[:60])
    if len(parts) != 3 or not parts[0]:
        raise InputError(f"--line {shown}: expected CODE:QTY:PRICE (price in fen, or yuan as 125.50元)")
    if not (parts[0].isascii() and parts[0].isprintable() and len(parts[0]) <= 32):
        raise InputError(f"--line {shown}: the item code must be 1-32 printable ASCII characters")
    qty = whole_number(parts[1], 0, (1 << 32) - 1, f"--line {shown}: QTY")
    try:
        price = amount(parts[2], 0, (1 << 40) - 1, "PRICE in fen")
    except InputError as exc:
        raise InputError(f"--line {shown}: {exc}") from None
    return ClaimLine(parts[0], qty, price)


def _line_text(text: str) -> str:
    parse_line(text)  # refused while the command line is parsed
    return text


def _claim_target(opts: ChainOptions, claim_id: str | None, institution: str | None,
                  invoice: str | None) -> tuple[ClaimRef, Ledger]:
    """The claim named by its id or by institution and invoice, and the ledger to read it from."""
    ref = claim_ref(opts.workspace(), claim_id, institution, invoice)
    _, ledger = opts.open()
    ref.require(ledger)
    return ref, ledger


def _claim_doc(r: ClaimResult, lines: list[ClaimLine], service_date: dt.date, discharge: dt.date | None,
               person: bytes) -> dict[str, Any]:
    from yibao.model.types import VisitType, flag_names, note_names

    outcomes = list(r.lines)
    return {
        "ok": True,
        "claim_id": "0x" + r.claim_id.hex(),
        "institution": r.institution,
        "person": "0x" + person.hex(),
        "visit": r.visit.name if isinstance(r.visit, VisitType) else r.visit,
        "service_date": service_date.isoformat(),
        "discharge": discharge.isoformat() if discharge else None,
        "status": r.status.name, "reason": r.reason.name, "flags": flag_names(r.flags),
        "billed": r.billed, "eligible": r.eligible, "deductible": r.deductible,
        "fund": r.fund, "patient": r.patient,
        "lines": [
            {"code": ln.code, "qty": ln.qty, "unit_price": ln.unit_price, "billed": ln.qty * ln.unit_price,
             **({"eligible": outcomes[i].eligible, "notes": note_names(outcomes[i].notes)}
                if i < len(outcomes) else {})}
            for i, ln in enumerate(lines)
        ],
        "alerts": [a.name for a in r.alerts],
        "gas_used": r.gas_used, "tx": r.tx_hash,
    }


def _print_claim(doc: dict[str, Any], title: str) -> None:
    colour = {"APPROVED": "green", "SETTLED": "green", "FLAGGED": "yellow"}.get(doc["status"], "red")
    extra = f" ({doc['reason']})" if doc.get("reason") not in (None, "NONE") else ""
    flags = f" flags {', '.join(doc['flags'])}" if doc.get("flags") else ""
    out.print(f"{title} {doc['claim_id']}: [{colour}]{doc['status']}[/]{extra}{flags}")
    out.print(f"  billed {money(doc['billed'])}  eligible {money(doc['eligible'])}  deductible "
              f"{money(doc['deductible'])}  fund {money(doc['fund'])}  patient {money(doc['patient'])}")
    if doc.get("lines"):
        t = Table(show_header=True)
        for col in ("code", "qty", "unit price", "billed", "eligible", "notes"):
            t.add_column(col)
        for ln in doc["lines"]:
            t.add_row(ln["code"], f"{ln['qty']:,}", money(ln["unit_price"]), money(ln["billed"]),
                      money(ln["eligible"]) if "eligible" in ln else "-", ", ".join(ln.get("notes", [])) or "-")
        out.print(t)
    if doc.get("alerts"):
        out.print(f"  [yellow]alerts:[/] {', '.join(doc['alerts'])}")


InvoiceOpt = Annotated[str | None, typer.Option(help="the institution's invoice number")]
LineOpt = Annotated[list[str] | None, typer.Option(
    "--line", parser=_line_text, help="CODE:QTY:PRICE (price in fen, or yuan as 125.50元); repeat per line")]
PatientIdOpt = Annotated[str | None, typer.Option(
    "--id", parser=national_id_text, help="patient's national ID (hashed locally)")]
PatientPseudonymOpt = Annotated[str | None, typer.Option(parser=pseudonym_text, help="patient's 0x pseudonym")]
VisitOpt = Annotated[str, typer.Option(help="OUTPATIENT | INPATIENT | PHARMACY")]
DateOpt = Annotated[str | None, typer.Option(
    parser=day_text, help="service (admission) date YYYY-MM-DD; default: the chain's today")]
DischargeOpt = Annotated[str | None, typer.Option(parser=day_text, help="discharge date YYYY-MM-DD (inpatient)")]
ClaimedFundOpt = Annotated[int | None, typer.Option(
    parser=fund_share, help="fund share the institution computed: fen, or yuan as 153.00元")]
DocumentsOpt = Annotated[str | None, typer.Option(help="supporting documents: a reference (stored as its keyed hash), "
                                                       "or record:N, the registered hash of record N")]


@claim_app.command("submit")
@chain_options(signer=InstitutionAsOpt)
def claim_submit(
    opts: ChainOptions,
    invoice: InvoiceOpt = None,
    line: LineOpt = None,
    national_id: PatientIdOpt = None,
    pseudonym: PatientPseudonymOpt = None,
    visit: VisitOpt = "OUTPATIENT",
    date: DateOpt = None,
    discharge: DischargeOpt = None,
    claimed_fund: ClaimedFundOpt = None,
    documents: DocumentsOpt = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="JSON Lines, one claim a line with the fields above; checked whole, sent in batches, "
                       "rerun to resume")] = None,
    batch: Annotated[int, typer.Option(parser=claim_batch, help="claims per transaction (with --file)")] = 50,
) -> None:
    """Submit one claim as the institution; print its decision with lines and alerts.
    With --file, submit a file of claims (claims already on chain are reported, not sent again)."""
    if file is not None:
        if invoice or line or national_id or pseudonym or date or discharge or claimed_fund is not None or documents:
            raise InputError("give either --file or the fields of one claim, not both")
        _submit_file(opts, file, batch)
        return
    _, ledger, claim = _one_claim(opts, invoice, line, national_id, pseudonym, visit, date, discharge,
                                   claimed_fund, documents)
    try:
        result = ledger.submit_claim(claim)
    except ContractError as exc:
        if exc.name != "InstitutionUnknown" or exc.inputs.get("account", "").lower() != str(ledger.sender).lower():
            raise
        role = ledger.institution_role()  # the signer is no institution: name a key that is one
        raise opts.hint(exc, lambda lg, address: lg.has_role(role, address), "is an institution",
                        "--institution-as") from None
    doc = _claim_doc(result, list(claim.lines), claim.service_date, claim.discharge, claim.person)
    opts.emit(doc, lambda: _print_claim(doc, "claim"))


@claim_app.command("precheck")
@chain_options(signer=InstitutionAsOpt)
def claim_precheck(
    opts: ChainOptions,
    invoice: InvoiceOpt = None,
    line: LineOpt = None,
    national_id: PatientIdOpt = None,
    pseudonym: PatientPseudonymOpt = None,
    visit: VisitOpt = "OUTPATIENT",
    date: DateOpt = None,
    discharge: DischargeOpt = None,
    claimed_fund: ClaimedFundOpt = None,
    documents: DocumentsOpt = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLAlchemy URL of the index (default: sqlite:///HOME/index.db, as `yibao index`)")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="rules file (JSON): which rules, parameters")]
    = None,
) -> None:
    """Pre-check a claim before submitting it (事前提醒): the decision the ledger would give it now
    and the screening rules it would set off with the live history. Nothing is recorded; the
    index is brought up to date first (created at the default place if there is none)."""
    from yibao.index.database import default_url, open_index
    from yibao.io.screening import read_screening
    from yibao.model.screening import ScreeningParams, lead_document

    params = read_screening(rules) if rules else ScreeningParams()
    ws, ledger, claim = _one_claim(opts, invoice, line, national_id, pseudonym, visit, date, discharge,
                                   claimed_fund, documents)
    engine = open_index(db or default_url(ws.home))
    try:
        answer = ledger.precheck(claim, index=engine, params=params)
    finally:
        engine.dispose()
    doc = _claim_doc(answer.decision, list(claim.lines), claim.service_date, claim.discharge, claim.person)
    for k in ("gas_used", "tx"):
        doc.pop(k)
    doc["precheck"] = True
    doc["warnings"] = [dict(lead_document(w), amount=w.amount) for w in answer.warnings]

    def human() -> None:
        _print_claim(doc, "pre-check of claim")
        if not doc["warnings"]:
            out.print("  [green]no screening warnings[/]")
        for w in doc["warnings"]:
            out.print(f"  [yellow]warning[/] {w['rule']} ({w['severity']}): with {len(w['claims']) - 1} "
                      f"earlier claim(s) {', '.join(c for c in w['claims'] if c != doc['claim_id'])}")

    opts.emit(doc, human)


def _one_claim(opts: ChainOptions, invoice: str | None, line: list[str] | None, national_id: str | None,
               pseudonym: str | None, visit: str, date: str | None, discharge: str | None,
               claimed_fund: int | None, documents: str | None) -> tuple[Workspace, Ledger, ClaimInput]:
    """The claim of ``claim submit``'s and ``claim precheck``'s options, and the ledger."""
    from yibao.client import ClaimInput
    from yibao.model.types import VisitType, parse_enum

    if not invoice:
        raise InputError("a claim needs --invoice (or --file FILE)")
    lines = [parse_line(x) for x in line or []]
    if not lines:
        raise InputError("a claim needs at least one --line CODE:QTY:PRICE")
    if claimed_fund is not None and claimed_fund < 0:
        raise InputError("--claimed-fund must not be negative")
    kind = parse_enum(VisitType, visit, "--visit")
    day = parse_date(date, "--date") if date else None
    out_day = parse_date(discharge, "--discharge") if discharge else None
    ws, ledger = opts.open()
    person = person_of(ws, national_id, pseudonym)
    docs = _record_hash(ledger, documents, person) if documents and documents.startswith("record:") else \
        digest_in(ws.home)(documents or "")
    return ws, ledger, ClaimInput(invoice, person, kind, day or ledger.today(), lines, out_day, claimed_fund, docs)


def _record_hash(ledger: Ledger, documents: str, person: bytes) -> bytes:
    """``--documents record:N``: record N's current envelope hash, a record of the claim's
    person that the submitting institution keeps (so a reviewer can hold the billed document to it)."""
    from yibao.cli.options import whole_number

    number = whole_number(documents.removeprefix("record:"), 1, 2**64 - 1, "--documents record:N")
    info = ledger.record_info(number)
    if info.person != person:
        raise InputError(f"--documents record:{number} is a record of another person")
    if ledger.sender is not None and info.custodian != ledger.sender:
        raise InputError(f"--documents record:{number} is kept by {info.custodian}, not by the submitting institution")
    return info.content_hash


def _submit_file(opts: ChainOptions, path: Path, batch: int) -> None:
    """``claim submit --file``: every line checked first, then batches with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from yibao.client.batches import submit_resumable
    from yibao.identity import PseudonymKey
    from yibao.io.claims import read_claims_jsonl

    ws, ledger = opts.open()
    keys: list[PseudonymKey] = []

    def pseudonym_of(national_id: str) -> bytes:
        if not keys:
            keys.append(PseudonymKey.from_env_or_file(ws.pseudonym_key_path))
        return keys[0].pseudonym(national_id)

    entries = read_claims_jsonl(path, pseudonym_of, ledger.today(), digest_in(ws.home))
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, disable=opts.as_json or not err.is_terminal,
                  transient=True) as bar:
        task = bar.add_task("claims", total=len(entries))
        report = submit_resumable(ledger, [e.claim for e in entries], [e.label for e in entries],
                                  batch_size=batch, progress=lambda n: bar.advance(task, n))
    doc = report.to_json()

    def human() -> None:
        counts = ", ".join(f"{k} {v:,}" for k, v in doc["statuses"].items())
        out.print(f"[green]✓[/] {doc['claims']:,} claims: {doc['submitted']:,} submitted in "
                  f"{doc['transactions']} transactions (gas {doc['gas_used']:,}), {doc['already_on_chain']:,} "
                  f"already on chain; {counts}")

    opts.emit(doc, human)


@claim_app.command("show")
@chain_options(signer=None)
def claim_show(opts: ChainOptions, claim_id: ClaimIdArg = None, institution: ClaimInstitutionOpt = None,
               invoice: ClaimInvoiceOpt = None) -> None:
    """Show a stored claim: status, amounts, lines, alerts, review. Name it by CLAIM_ID, or by
    --institution and --invoice."""
    from yibao.client.history import claim_details

    ref, ledger = _claim_target(opts, claim_id, institution, invoice)
    doc = claim_details(ledger, ref.claim_id)

    def human() -> None:
        _print_claim(doc, "claim")
        for k in ("institution", "person", "visit", "service_date", "discharge", "submitted", "tx"):
            if doc.get(k):
                out.print(f"  {k}: {doc[k]}")
        if doc.get("review"):
            rv = doc["review"]
            out.print(f"  rejected by {rv['rejected_by']} on {rv['rejected_on']}"
                      f"{' (appealed)' if rv['appealed'] else ''}")

    opts.emit(doc, human)


def _step_text(s: dict[str, Any]) -> str:
    k = s["step"]
    if k == "submitted":
        flags = f" [{', '.join(s['flags'])}]" if s["flags"] else ""
        why = f" {s['reason']}" if s["reason"] != "NONE" else ""
        return (f"{s['status']}{why}{flags}: billed {money(s['billed'])}, eligible {money(s['eligible'])}, "
                f"deductible {money(s['deductible'])}, fund {money(s['fund'])}")
    if k == "alert":
        return str(s["kind"])
    if k == "reviewed":
        what = "appeal " if s["appeal"] else ""
        reason = f" reason {s['reason']}" if s["reason"] else ""
        ev = f" evidence {s['evidence'][:10]}…" if s["evidence"] else ""
        return f"{what}{s['decision']} by {s['reviewer']}{reason}{ev}; fund {money(s['fund'])}"
    if k == "appealed":
        return f"by {s['institution']}"
    if k == "settled":
        return (f"settlement #{s['epoch']} of {s['institution']}: {s['claims']} claims, payable "
                f"{money(s['payable'])} (netted {money(s['netted'])}, cash {money(s['cash'])})")
    if k == "clawed_back":
        reason = f" reason {s['reason']}" if s["reason"] else ""
        return f"{money(s['amount'])} from {s['institution']}{reason}"
    return ""


@claim_app.command("history")
@chain_options(signer=None)
def claim_history_cmd(opts: ChainOptions, claim_id: ClaimIdArg = None, institution: ClaimInstitutionOpt = None,
                      invoice: ClaimInvoiceOpt = None) -> None:
    """A claim's whole history from the chain's events, in order. Name it by CLAIM_ID, or by
    --institution and --invoice.

    Each step has its CST time, block, transaction and sender."""
    from yibao.client.history import claim_history

    ref, ledger = _claim_target(opts, claim_id, institution, invoice)
    steps = claim_history(ledger, ref.claim_id)
    doc = {"claim_id": ref.hex, "steps": steps}

    def human() -> None:
        t = Table(title=f"claim {doc['claim_id']}")
        for col in ("time (CST)", "step", "what", "tx"):
            t.add_column(col)
        for s in steps:
            t.add_row(s["time"].replace("T", " ")[:19], s["step"], _step_text(s), s["tx"][:12] + "…")
        out.print(t)

    opts.emit(doc, human)


__all__ = ["claim_app", "parse_line"]
