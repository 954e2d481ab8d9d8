"""``yibao record grant | revoke | emergency | consents | trail``: the patient's consents (signed
by the wallet bound to them), emergency declarations, and the data-use trail (数据使用留痕)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.options import (
    ChainOptions, PseudonymOpt, account_ref, chain_options, day_text, out, person_of, tx_fields,
)
from yibao.cli.records import (
    PersonOpt, RelayOpt, StoreOpt, acting, consent_number, purpose_name, record_app, record_number, relay,
    secrets_of, store_of,
)
from yibao.errors import InputError
from yibao.model.types import Purpose
from yibao.units import parse_date

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.workspace import Workspace


def patient_person(ledger: Ledger) -> bytes:
    """The person the signer's wallet is bound to; a one-line refusal when it is bound to none."""
    person = ledger.person_of_wallet(ledger.signer.address)
    if person is None:
        raise InputError(f"{ledger.signer.address} is bound to no person (`yibao person bind-wallet` by the operator)")
    return person


@record_app.command("grant")
@chain_options()
def record_grant(
    opts: ChainOptions,
    record: Annotated[int | None, typer.Argument(parser=record_number, metavar="[RECORD]",
                                                 help="the record (or --all)")] = None,
    every: Annotated[bool, typer.Option("--all", help="every record of the patient's, now and later")] = False,
    to: Annotated[str, typer.Option("--to", parser=account_ref, help="the grantee: 0x address or key name")] = "",
    purpose: Annotated[str, typer.Option(parser=purpose_name, help="TREATMENT, CLAIM_REVIEW or RESEARCH")] = "",
    until: Annotated[str, typer.Option("--until", parser=day_text, help="the last day it allows, YYYY-MM-DD")] = "",
    relay_as: RelayOpt = None,
) -> None:
    """Grant a consent, signed by the patient (the signer's wallet)."""
    if (record is None) == (not every):
        raise InputError("give a RECORD or --all")
    for value, name in ((to, "--to"), (purpose, "--purpose"), (until, "--until")):
        if not value:
            raise InputError(f"give {name}")
    ws, ledger = opts.open()
    person = patient_person(ledger)
    grantee = ws.resolve_account(to, "--to")
    consent, result = relay(ws, ledger, relay_as).grant_consent(
        ledger.signer, person, grantee, record, Purpose[purpose], parse_date(until, "--until"))
    doc = {"ok": True, "action": "record grant", "consent": consent, "grantee": grantee,
           "record": record, "purpose": purpose, "until": until, **tx_fields(result)}
    scope = f"record {record}" if record else "every record"
    opts.emit(doc, lambda: out.print(f"[green]✓[/] consent {consent}: {grantee} may read {scope} for {purpose} "
                                     f"until {until}"))


def _records_of(ledger: Ledger, person: bytes) -> list[int]:
    from yibao.client.queries import event_args

    return [int(a["record"]) for a in event_args(ledger, "RecordPut", None, person)]


def _rotate_all(ws: Workspace, ledger: Ledger, records: list[int], store: str | None) -> list[dict[str, Any]]:
    from yibao.records.service import rotate

    done = []
    for record in records:
        custodian = ledger.record_info(record).custodian
        result = rotate(acting(ws, ledger, custodian, "the custodian"), store_of(ws, custodian, store),
                        secrets_of(ws), record)
        done.append({"record": record, "version": int(result.named("RecordRotated")[0]["version"]),
                     "tx": result.tx_hash})
    return done


@record_app.command("revoke")
@chain_options()
def record_revoke(
    opts: ChainOptions,
    consent: Annotated[int, typer.Argument(parser=consent_number, metavar="CONSENT", help="consent id")],
    rotate: Annotated[bool, typer.Option("--rotate", help="also re-encrypt the records it covered under new keys")]
    = False,
    relay_as: RelayOpt = None,
    store: StoreOpt = None,
) -> None:
    """Revoke a consent (signed by the patient): serving stops at once; ``--rotate`` has each
    record it covered re-encrypted by its custodian and the old ciphertext retired."""
    ws, ledger = opts.open()
    info = ledger.consent_info(consent)
    result = relay(ws, ledger, relay_as).revoke_consent(ledger.signer, consent)
    rotated = _rotate_all(ws, ledger, [info.record] if info.record else _records_of(ledger, info.person),
                          store) if rotate else []
    doc = {"ok": True, "action": "record revoke", "consent": consent, "rotated": rotated, **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] consent {consent} revoked"
                                     + (f"; {len(rotated)} record(s) re-encrypted" if rotate else "")))


@record_app.command("emergency")
@chain_options()
def record_emergency(
    opts: ChainOptions,
    reason: Annotated[str, typer.Option(help="a short reason code, e.g. ER_UNCONSCIOUS")],
    national_id: PersonOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Declare an emergency (the signer, a treating institution): 24 hours of access to the
    person's records without consent, each read logged; an alert for the regulator."""
    from yibao.codec import reason_word

    reason_word(reason)
    ws, ledger = opts.open()
    result = ledger.declare_emergency(person_of(ws, national_id, pseudonym), reason)
    (e,) = result.named("EmergencyDeclared")
    from yibao.units import cst_time

    doc = {"ok": True, "action": "record emergency", "until": cst_time(int(e["until"])), **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[yellow]![/] emergency access until {doc['until']} (alert raised)"))


def consents_of(ledger: Ledger, person: bytes) -> list[dict[str, Any]]:
    """Every consent of the person's, as it stands now (revoked and expired ones inactive)."""
    from yibao.client.queries import event_args

    granted = event_args(ledger, "ConsentGranted", None, person)
    return [ledger.consent_info(int(a["consent"])).to_json() for a in granted]


FhirOpt = Annotated[bool, typer.Option("--fhir", help="print a FHIR R4B Bundle (JSON) instead")]


def emit_fhir(resources: list[dict[str, Any]]) -> None:
    """A FHIR R4B collection Bundle of ``resources`` on stdout (JSON, whatever --json says)."""
    import json

    from yibao.records.fhir import bundle

    print(json.dumps(bundle(resources), ensure_ascii=False, indent=2))


def trail_out(opts: ChainOptions, ledger: Ledger, person: bytes, fhir: bool, doc: dict[str, Any]) -> None:
    """The trail as the command prints it: a table, JSON, or FHIR AuditEvents."""
    from yibao.records.service import trail

    rows = trail(ledger, person)
    if fhir:
        from yibao.records.fhir import audit_events

        emit_fhir(audit_events(ledger, person, rows))
        return
    opts.emit({**doc, "trail": rows}, lambda: print_trail(rows))


@record_app.command("consents")
@chain_options(signer=None)
def record_consents(opts: ChainOptions, national_id: PersonOpt = None, pseudonym: PseudonymOpt = None,
                    fhir: FhirOpt = False) -> None:
    """The person's consents, active or not (--fhir: as FHIR R4B Consent resources)."""
    ws, ledger = opts.open()
    rows = consents_of(ledger, person_of(ws, national_id, pseudonym))
    if fhir:
        from yibao.records.fhir import consent

        emit_fhir([consent(c, ledger_address=ledger.address, chain_id=ledger.chain.chain_id) for c in rows])
        return

    def human() -> None:
        t = Table("consent", "grantee", "scope", "purpose", "until", "active")
        for c in rows:
            t.add_row(str(c["id"]), c["grantee"], str(c["record"] or "ALL"), c["purpose"], c["not_after"],
                      "yes" if c["active"] else f"no{' (revoked ' + c['revoked_on'] + ')' if c['revoked_on'] else ''}")
        out.print(t)

    opts.emit({"consents": rows}, human)


def print_trail(rows: list[dict[str, Any]]) -> None:
    t = Table("access", "time", "record", "reader", "purpose", "basis")
    for r in rows:
        basis = r["basis"] + (f" {r['basis_id']}" if r["basis_id"] else "")
        t.add_row(str(r["access"]), r["time"], f"{r['record']} v{r['version']}", r["reader"], r["purpose"], basis)
    out.print(t if rows else "no access to this person's records")


@record_app.command("trail")
@chain_options(signer=None)
def record_trail(opts: ChainOptions, national_id: PersonOpt = None, pseudonym: PseudonymOpt = None,
                 fhir: FhirOpt = False) -> None:
    """Every time a record of the person's was served: who, when, why, on what basis (--fhir: as
    FHIR R4B AuditEvent resources)."""
    ws, ledger = opts.open()
    trail_out(opts, ledger, person_of(ws, national_id, pseudonym), fhir, {})


__all__ = ["FhirOpt", "consents_of", "emit_fhir", "patient_person", "print_trail", "trail_out"]
