"""The contracts as a :class:`~yibao.simulate.Engine`: ``yibao simulate`` on a chain.

:class:`ChainEngine` plays a scenario through the deployed contracts, so
:func:`~yibao.simulate.run_scenario` gives the same document as with the reference model
(plus ``gas``). It makes its own world:

- **Chain.** Without ``rpc`` a fresh embedded chain whose genesis is 12:00 CST of the day
  before the scenario's set-up day (``start``, or the first policy version if earlier); with
  ``rpc`` a node whose clock must not be past 12:00 CST of that day. The chain is made (and
  the ledger deployed) at the first :meth:`~ChainEngine.set_today`, which tells the engine
  that day.
- **Clock.** Every transaction of day ``d`` (deployment and setup included) is mined at
  12:00 CST of ``d`` plus one second per earlier transaction that day (docs/decisions.md;
  :meth:`Chain.set_clock`).
- **Identities.** Dev account 0 deploys and holds the admin role; it makes the bureau's
  regulator key regulator of every region, which makes the operator key enrolment operator
  (nobody grants a role to themselves). Those two, institutions and reviewers act through
  keys derived from their names (``keccak256("yibao.simulate.<kind>:" + id)``, kind
  ``bureau`` for the regulator and operator), funded for gas. People are pseudonymised as
  HMAC-SHA256 of their scenario id under the fixed, public key :data:`PSEUDONYM_KEY`:
  scenario ids are names in a test file, not national IDs, so there is nothing secret to
  protect and the same id always maps to the same pseudonym.

The steps after the decision (review, appeal, settle, clear, clawback, freeze, unfreeze,
contribution) run through the SettlementModule as the regulator (contributions: the
operator), the reviewers' and institutions' own keys. Supervision steps run through the
SupervisionModule as the regulator (regulator of every region, so of a referring region
too), a contest as the case's institution, a ruling as the reviewer; a referral names each
claim's person by the pseudonym of the person the stored claim was submitted for.

:meth:`ChainEngine.snapshot` and :meth:`ChainEngine.revert` take the engine back to an
earlier point: the chain (and its clock) and the engine's own bookkeeping together.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from yibao.chain.backend import Chain, SentTx, TxRequest, dev_account
from yibao.client import ClaimInput, Enrolment, Ledger, LineOutcome, claim_id_of, line_results, to_decision
from yibao.evidence import SIMULATION_KEY, EvidenceKey
from yibao.units import noon_cst
from yibao.errors import ChainError, ContractError, InputError
from yibao.model.types import (
    CaseSource, CatalogueItem, Claim, ClaimKey, ClaimLine, ClaimStatus, Decision, Filing, FundState, Grade,
    InstitutionState, InstitutionStatus, PersonStatus, PolicyVersion, Reason, Scheme, SupervisionParams
)
from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, ScreeningParams
from yibao.simulate.chain_screening import ChainScreening
from yibao.simulate.engine import CaseFacts, GasFigures, Sanctions

#: The HMAC key of scenario pseudonyms. Public on purpose: scenario ids are not national IDs.
PSEUDONYM_KEY = b"yibao.simulate: scenario ids are not national IDs"

#: Gas money given to every derived key (wei).
_FUNDING = 10**21
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def pseudonym_of(person: str) -> bytes:
    """The 32-byte pseudonym of a scenario person id (HMAC-SHA256 under :data:`PSEUDONYM_KEY`)."""
    return hmac.new(PSEUDONYM_KEY, person.encode("utf-8"), hashlib.sha256).digest()


@cache
def derived_account(kind: str, name: str) -> LocalAccount:
    """The deterministic key of a scenario institution or reviewer."""
    secret = keccak(text=f"yibao.simulate.{kind}:{name}")
    while not 0 < int.from_bytes(secret, "big") < _SECP256K1_N:  # pragma: no cover - 2**-128
        secret = keccak(secret)
    acct: LocalAccount = Account.from_key(secret)
    return acct


@cache
def _admin() -> LocalAccount:
    return dev_account(0)


def _staff(role: str) -> LocalAccount:
    """The bureau's key for ``role`` (regulator or operator of every region)."""
    return derived_account("bureau", role)


@dataclass
class _GasCountingChain(Chain):
    """A :class:`Chain` that adds up the gas of every contract transaction (deployment
    included; plain value transfers are not counted)."""

    gas_total: int = 0

    def send(self, account: LocalAccount, to: str | None, data: bytes, gas: int | None = None,
             value: int = 0) -> SentTx:
        sent = super().send(account, to, data, gas=gas, value=value)
        if data:
            self.gas_total += sent.gas_used
        return sent

    def send_many(self, requests: Sequence[TxRequest]) -> list[SentTx | ChainError]:
        if self.rpc is None:  # the embedded chain sends them one by one: send() counts them
            return super().send_many(requests)
        results = super().send_many(requests)
        self.gas_total += sum(r.gas_used for r, q in zip(results, requests, strict=True)
                              if isinstance(r, SentTx) and q.data)
        return results


def _submission(claim: Claim) -> ClaimInput:
    """A scenario claim as its institution sends it."""
    return ClaimInput(invoice=claim.invoice, person=pseudonym_of(claim.person), visit=claim.visit,
                      service_date=claim.service_date, lines=claim.lines, discharge=claim.discharge,
                      claimed_fund=claim.claimed_fund, documents=claim.documents_hash)


@dataclass(frozen=True)
class EngineSnapshot:
    """A point to go back to (:meth:`ChainEngine.snapshot`)."""

    chain: Any
    state: dict[str, Any]
    gas_total: int


class ChainEngine:
    """:class:`~yibao.simulate.Engine` over the contracts (embedded chain or ``rpc`` node)."""

    def __init__(self, rpc: str | None = None, engine: str = "pyevm") -> None:
        """Play on a fresh chain of ``engine`` (``pyevm``: embedded, ``anvil``: a node started
        here, :meth:`Chain.local`), or on the node at ``rpc``."""
        self.rpc = rpc
        self.engine = engine
        self._ledger: Ledger | None = None
        self._today: dt.date | None = None
        self._regions: list[int] = []
        self._institutions: dict[str, LocalAccount] = {}
        self._lines: dict[ClaimKey, tuple[ClaimLine, ...]] = {}
        self._outcomes: dict[ClaimKey, tuple[LineOutcome, ...]] = {}
        self._persons: dict[ClaimKey, str] = {}  # stored claim → its person's scenario id
        self._chain: _GasCountingChain | None = None
        self._gas_claims = 0
        self._claims = 0
        self._key = EvidenceKey(SIMULATION_KEY)
        self._people: dict[str, str] = {}  # scenario id → 0x pseudonym
        self._attributes: dict[str, PersonAttributes] = {}
        self._restrictions: dict[tuple[int, str], ItemRestriction] = {}
        self._screening = ChainScreening()  # an index of the chain: rebuilt from it, kept across reverts

    # ------------------------------------------------------------------ chain and clock

    @property
    def ledger(self) -> Ledger:
        """The deployed ledger, acting as the admin (dev account 0)."""
        if self._ledger is None:
            raise ChainError("the chain engine has no chain yet: call set_today first")
        return self._ledger

    @property
    def regulator(self) -> Ledger:
        """The ledger acting as the bureau's regulator of every region (a key of its own: nobody
        grants a role to themselves, and the admin is not a regulator)."""
        return self.ledger.acting_as(_staff("regulator"))

    @property
    def operator(self) -> Ledger:
        """The ledger acting as the enrolment operator of every region."""
        return self.ledger.acting_as(_staff("operator"))

    @property
    def chain(self) -> Chain:
        """The chain the engine plays on."""
        return self._gas_chain()

    def set_today(self, today: dt.date) -> None:
        """Move the clock to ``today``; the first call makes the chain and deploys."""
        if self._today is not None and today < self._today:
            raise InputError(
                f"the chain clock only moves forward: {today.isoformat()} is before "
                f"{self._today.isoformat()}"
            )
        new_day = today != self._today
        self._today = today
        if self._ledger is None:
            self._start(today)
        elif new_day:
            self.chain.set_clock(noon_cst(today))

    def _start(self, first: dt.date) -> None:
        chain = _GasCountingChain.for_run(first, self.rpc, "the scenario's set-up day", engine=self.engine)
        chain.set_clock(noon_cst(first))  # every transaction from now on: noon, noon + 1 s, ...
        self._chain = chain
        self._ledger = Ledger.deploy(chain, _admin(), _admin().address)
        for who in ("regulator", "operator"):
            chain.fund(_staff(who).address, _FUNDING)

    # ------------------------------------------------------------------ snapshot and revert

    #: The engine's own bookkeeping, restored by :meth:`revert` (the connection is kept).
    STATE_FIELDS = ("_today", "_regions", "_institutions", "_lines", "_outcomes", "_persons", "_gas_claims",
                    "_claims", "_people", "_attributes", "_restrictions")

    def snapshot(self) -> EngineSnapshot:
        """The engine as it is now: the chain's snapshot and copies of the engine's state."""
        chain = self._gas_chain()
        return EngineSnapshot(chain.snapshot(), {k: copy.copy(getattr(self, k)) for k in self.STATE_FIELDS},
                              chain.gas_total)

    def revert(self, snap: EngineSnapshot) -> EngineSnapshot:
        """Back to ``snap``; returns a fresh snapshot of the same point (a node forgets a
        snapshot once reverted to it)."""
        chain = self._gas_chain()
        chain.revert(snap.chain)
        for k, v in snap.state.items():
            setattr(self, k, copy.copy(v))
        chain.gas_total = snap.gas_total
        return EngineSnapshot(chain.snapshot(), snap.state, snap.gas_total)

    def close(self) -> None:
        """Stop what the engine started (a fast engine's anvils); nothing when it has no chain."""
        if self._chain is not None:
            self._chain.close()

    def _gas_chain(self) -> _GasCountingChain:
        if self._chain is None:
            raise ChainError("the chain engine has no chain yet: call set_today first")
        return self._chain

    def _institution(self, name: str) -> LocalAccount:
        acct = self._institutions.get(name)
        if acct is None:  # never registered: the contract refuses it (InstitutionUnknown)
            acct = derived_account("institution", name)
        return acct

    # ------------------------------------------------------------------ setup

    def add_region(self, code: int, name: str, opening_balance: int) -> None:
        """Register a region (the admin); the bureau's regulator and operator keys get its roles."""
        lg = self.ledger
        lg.add_region(code, name, opening_balance)
        lg.grant_role(lg.regulator_role(code), _staff("regulator").address)
        self.regulator.grant_role(lg.operator_role(code), _staff("operator").address)
        self._regions.append(code)

    def add_policy(self, policy: PolicyVersion) -> None:
        """See :meth:`Engine.add_policy`."""
        self.regulator.add_policy(policy)

    def add_items(self, region: int, items: Sequence[CatalogueItem]) -> None:
        """See :meth:`Engine.add_items`."""
        self.regulator.set_items(region, items)

    def add_institution(self, institution: str, region: int, level: int, grade: Grade) -> None:
        """Register the institution under its derived key (funded for gas)."""
        acct = derived_account("institution", institution)
        self.regulator.add_institution(acct.address, region, level, grade)
        self.chain.fund(acct.address, _FUNDING)
        self._institutions[institution] = acct

    def add_reviewer(self, reviewer: str) -> None:
        """Grant the reviewer's derived key the reviewer role of every region so far."""
        acct = derived_account("reviewer", reviewer)
        self.chain.fund(acct.address, _FUNDING)
        for code in self._regions:
            self.regulator.grant_role(self.ledger.reviewer_role(code), acct.address)

    def enrol(self, person: str, region: int, scheme: Scheme, coverage_from: dt.date, coverage_to: dt.date,
            filings: Sequence[Filing]) -> None:
        """Enrol the person's pseudonym, then add the filings."""
        pid = pseudonym_of(person)
        self.operator.enrol(Enrolment(pid, region, scheme, coverage_from, coverage_to))
        self._people[person] = "0x" + pid.hex()
        for f in filings:
            self.operator.add_filing(pid, f.region, f.start, f.end)

    def set_person_attributes(self, person: str, attributes: PersonAttributes) -> None:
        """See :meth:`Engine.set_person_attributes`: off chain, in the engine's index only."""
        self._attributes[person] = attributes

    def set_item_restriction(self, region: int, code: str, restriction: ItemRestriction) -> None:
        """See :meth:`Engine.set_item_restriction`: off chain, in the engine's index only."""
        self._restrictions[(region, code)] = restriction

    # ------------------------------------------------------------------ timeline

    def submit_claim(self, claim: Claim) -> Decision:
        """Submit as the institution's account; a malformed claim raises the contract error."""
        acct = self._institution(claim.institution)
        result = self.ledger.acting_as(acct).submit_claim(_submission(claim))
        self._gas_claims += result.gas_used
        self._claims += 1
        if result.reason is not Reason.DUPLICATE:  # a duplicate leaves the stored claim alone
            self._lines[claim.key] = claim.lines
            self._outcomes[claim.key] = result.lines
            self._persons[claim.key] = claim.person
        return result.decision(claim.lines)

    def _claim_id(self, claim: ClaimKey) -> bytes:
        return claim_id_of(self._institution(claim.institution).address, claim.invoice)

    # ------------------------------------------------------------------ screening

    def _names(self) -> tuple[dict[str, ClaimKey], dict[str, str], dict[str, str]]:
        """Claim ids, pseudonyms and accounts → the scenario's keys and ids."""
        claims = {"0x" + self._claim_id(k).hex(): k for k in self._lines}
        people = {pid: name for name, pid in self._people.items()}
        institutions = {acct.address.lower(): name for name, acct in self._institutions.items()}
        return claims, people, institutions

    def precheck(self, claim: Claim, params: ScreeningParams) -> tuple[Decision, list[Lead[ClaimKey]]]:
        """See :meth:`Engine.precheck`: the submission's own transaction run without being kept
        (:meth:`Ledger.precheck_claims`), and the index's SQL warnings."""
        submission = _submission(claim)
        result = self.ledger.precheck_claims([submission], self._institution(claim.institution).address)[0]
        claims, people, institutions = self._names()
        engine = self._screening.refresh(self.ledger, claims, self._people, self._attributes, self._restrictions)
        found = self._screening.warnings(engine, claim.key, submission, result, params)
        named = self._screening.named(found, {**claims, "0x" + result.claim_id.hex(): claim.key}, people,
                                      institutions)
        return result.decision(claim.lines), named

    def leads(self, params: ScreeningParams) -> list[Lead[ClaimKey]]:
        """See :meth:`Engine.leads`: screening's SQL over the index of the chain's events."""
        claims, people, institutions = self._names()
        engine = self._screening.refresh(self.ledger, claims, self._people, self._attributes, self._restrictions)
        return self._screening.named(self._screening.leads(engine, params), claims, people, institutions)

    def review(
        self, claim: ClaimKey, reviewer: str, approve: bool, reason: str, evidence: str
    ) -> None:
        """The reviewer's derived key decides the claim."""
        acct = derived_account("reviewer", reviewer)
        self.ledger.acting_as(acct).review(self._claim_id(claim), approve, reason, self._key.digest(evidence))

    def appeal(self, claim: ClaimKey) -> None:
        """The claim's institution appeals."""
        acct = self._institution(claim.institution)
        self.ledger.acting_as(acct).appeal(self._claim_id(claim))

    def settle(self, institution: str) -> None:
        """The admin (regulator of every region) settles the institution."""
        assert self._today is not None
        self.regulator.settle(self._institution(institution).address,
                           self._key.digest(f"{institution}/{self._today.isoformat()}"))

    def clear(self, from_region: int, to_region: int, amount: int | None) -> None:
        """The paying region's regulator (the admin) clears what it owes."""
        self.regulator.clear(from_region, to_region, amount)

    def clawback(self, claim: ClaimKey, reason: str, evidence: str) -> None:
        """The regulator claws a settled claim back."""
        self.regulator.clawback(self._claim_id(claim), reason, self._key.digest(evidence))

    def freeze(self, institution: str) -> None:
        """Freeze the institution's payouts."""
        self.regulator.set_frozen(self._institution(institution).address, True)

    def unfreeze(self, institution: str) -> None:
        """Lift the freeze."""
        self.regulator.set_frozen(self._institution(institution).address, False)

    def contribution(self, person: str, amount: int) -> None:
        """The home region's operator (the admin) records a contribution."""
        self.operator.contribute(pseudonym_of(person), amount)

    def set_grade(self, institution: str, grade: Grade) -> None:
        """See :meth:`Engine.set_grade`."""
        self.regulator.set_institution_grade(self._institution(institution).address, grade)

    def person_status(self, person: str, status: PersonStatus, reason: int) -> None:
        """SUSPENDED → suspendPerson, ACTIVE → reinstatePerson, TERMINATED → terminatePerson."""
        pid = pseudonym_of(person)
        if status is PersonStatus.SUSPENDED:
            self.operator.suspend_person(pid, reason)
        elif status is PersonStatus.ACTIVE:
            self.operator.reinstate_person(pid, reason)
        else:
            self.operator.terminate_person(pid, reason)

    def institution_status(
        self, institution: str, status: InstitutionStatus, reason: int
    ) -> None:
        """See :meth:`Engine.institution_status`."""
        self.regulator.set_institution_status(self._institution(institution).address, status, reason)

    def filing(self, person: str, filing: Filing) -> None:
        """See :meth:`Engine.filing`."""
        self.operator.add_filing(pseudonym_of(person), filing.region, filing.start, filing.end)

    # ------------------------------------------------------------------ supervision

    def set_supervision_params(self, region: int, params: SupervisionParams) -> None:
        """See :meth:`Engine.set_supervision_params`."""
        self.regulator.set_supervision_params(region, params)

    def open_case(self, institution: str, claims: Sequence[ClaimKey], source: CaseSource, evidence: str,
                  by_region: int | None) -> int:
        """The regulator opens the case; a REFERRAL names each claim's person (zero for a claim
        never stored: the contract refuses it ClaimUnknown first)."""
        people = [pseudonym_of(self._persons[k]) if k in self._persons else bytes(32) for k in claims]
        case_id, _ = self.regulator.open_case(
            self._institution(institution).address, [self._claim_id(k) for k in claims], source,
            self._key.digest(evidence), by_region=by_region, people=people if source is CaseSource.REFERRAL else (),
        )
        return case_id

    def add_finding(self, case: int, claims: Sequence[ClaimKey], code: str, evidence: str) -> None:
        """See :meth:`Engine.add_finding`."""
        self.regulator.add_finding(case, [self._claim_id(k) for k in claims], code, self._key.digest(evidence))

    def decide(self, case: int, article: int, fine_bps: int, suspend_days: int) -> None:
        """See :meth:`Engine.decide`."""
        self.regulator.decide(case, article, fine_bps, suspend_days)

    def contest(self, case: int, institution: str) -> None:
        """The institution's own key contests."""
        self.ledger.acting_as(self._institution(institution)).contest(case)

    def rule(self, case: int, reviewer: str, upheld: bool, fine_bps: int | None) -> None:
        """The reviewer's derived key rules."""
        self.ledger.acting_as(derived_account("reviewer", reviewer)).rule(case, upheld, fine_bps)

    def finalize(self, case: int) -> None:
        """See :meth:`Engine.finalize`."""
        self.regulator.finalize(case)

    def close_case(self, case: int) -> None:
        """See :meth:`Engine.close_case`."""
        self.regulator.close_case(case)

    def pay_fine(self, institution: str, amount: int, reference: str) -> None:
        """See :meth:`Engine.pay_fine`."""
        self.regulator.pay_fine(self._institution(institution).address, amount, self._key.digest(reference))

    def case_state(self, case: int) -> CaseFacts:
        """``caseInfo`` and ``caseFound``, the found claim ids mapped back to the scenario's keys."""
        info = self.ledger.case_info(case)
        keys = {self._claim_id(k): k for k in self._lines}
        found = tuple(keys[c] for c in self.ledger.case_found(case))
        return CaseFacts(info.status, info.outcome, found, info.decided_on is not None, info.loss, info.fine)

    def sanctions(self, institution: str, year: int) -> Sanctions:
        """``finesOf`` and ``creditOf``."""
        address = self._institution(institution).address
        fines = self.ledger.fines(address)
        return Sanctions(fines.owed, fines.paid, self.ledger.credit_score(address, year))

    # ------------------------------------------------------------------ final state

    def claim_state(self, claim: ClaimKey) -> Decision | None:
        """The stored claim (``claimInfo``) with the line results of its submission."""
        cid = claim_id_of(self._institution(claim.institution).address, claim.invoice)
        try:
            view = self.ledger.claim(cid)
        except ContractError as exc:
            if exc.name == "ClaimUnknown":
                return None
            raise
        if view.status is ClaimStatus.NONE:
            return None
        lines = line_results(self._lines.get(claim, ()), self._outcomes.get(claim, ()))
        return to_decision(view.status, view.reason, view.flags, view.billed, view.eligible,
                           view.deductible, view.fund, lines)

    def fund_state(self, region: int) -> FundState:
        """The region's fund account (``fundOf``)."""
        f = self.ledger.fund(region)
        return FundState(f["balance"], f["contributions"], f["settled"], f["clearing_in"],
                         f["clearing_out"], f["recovered"])

    def institution_state(self, institution: str) -> InstitutionState:
        """Region, level, status, grade, frozen and payable from ``institutionInfo``."""
        i = self.ledger.institution(self._institution(institution).address)
        return InstitutionState(i.region, i.level, i.status, i.grade, i.frozen,
                                i.payable, i.paid, i.debt)

    def gas(self) -> GasFigures:
        """Gas of every transaction so far (deployment included), and of claim submissions."""
        return GasFigures(self._gas_chain().gas_total, self._gas_claims, self._claims)


__all__ = ["PSEUDONYM_KEY", "ChainEngine", "EngineSnapshot", "derived_account", "pseudonym_of"]
