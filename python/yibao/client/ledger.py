"""The typed Python API of a yibao deployment.

>>> chain = Chain.embedded()
>>> ledger = Ledger.deploy(chain)             # or Ledger.open(chain, manifest)
>>> ledger.add_region(500000, "Chongqing", 100_000_000)

Every write signs locally with the acting account (``ledger.acting_as(key)``), returns a
:class:`TxResult` with the decoded events, and raises the decoded contract error
(:class:`~yibao.errors.ContractError`) on a revert, the same on every kind of chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3

from yibao import codec
from yibao.chain import artifacts
from yibao.chain.abi import ErrorDecoder, EventDecoder
from yibao.chain.backend import Chain, dev_account
from yibao.units import from_day, to_day
from yibao.chain.deployment import Manifest, deploy
from yibao.errors import AccessDenied, ChainError, InputError
from yibao.model.types import (
    CatalogueItem,
    Category,
    ClaimLine,
    ClaimStatus,
    Decision,
    Flag,
    Grade,
    InstitutionStatus,
    LineNote,
    LineResult,
    PersonStatus,
    PolicyVersion,
    Reason,
    Scheme,
    VisitType,
    YearCounters,
    parse_enum,
)

#: People per enrolment transaction (the contract accepts up to 500).
ENROL_BATCH = 200
_GAS_PER_ENROLMENT = 75_000


@dataclass(frozen=True)
class TxResult:
    """A mined transaction: gas used and decoded events, in log order."""

    gas_used: int
    events: list[dict[str, Any]]
    tx_hash: str

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e["args"] for e in self.events if e["event"] == name]


@dataclass(frozen=True)
class Institution:
    account: str
    region: int
    index: int
    level: int
    status: InstitutionStatus
    grade: Grade
    frozen: bool
    payable: int = 0
    pending_claims: int = 0
    paid: int = 0
    debt: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "index": self.index,
            "level": self.level,
            "status": self.status.name,
            "grade": self.grade.name,
            "frozen": self.frozen,
            "payable": self.payable,
            "pending_claims": self.pending_claims,
            "paid": self.paid,
            "debt": self.debt,
        }


@dataclass(frozen=True)
class Filing:
    region: int
    start: dt.date
    end: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class Person:
    pseudonym: bytes
    index: int
    region: int
    scheme: Scheme
    status: PersonStatus
    status_reason: int
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None
    filings: tuple[Filing, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pseudonym": "0x" + self.pseudonym.hex(),
            "index": self.index,
            "region": self.region,
            "scheme": self.scheme.name,
            "status": self.status.name,
            "status_reason": self.status_reason,
            "coverage_from": self.coverage_from.isoformat(),
            "coverage_to": self.coverage_to.isoformat(),
            "wallet": self.wallet,
            "filings": [f.to_json() for f in self.filings],
        }


@dataclass(frozen=True)
class Enrolment:
    """One person to enrol; ``person`` is the pseudonym, never the ID."""

    person: bytes
    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.person,
            self.region,
            int(self.scheme),
            to_day(self.coverage_from),
            to_day(self.coverage_to),
            Web3.to_checksum_address(self.wallet) if self.wallet else "0x" + "00" * 20,
        )


# ---------------------------------------------------------------------- rule base and claims

#: Catalogue items per ``setItems`` / ``removeItems`` transaction (the contract accepts up to 500).
ITEM_BATCH = 100
_GAS_PER_ITEM = 80_000
#: Gas given to a claim submission: a base plus a share per line, capped (never estimated).
_GAS_PER_CLAIM = 400_000
_GAS_PER_LINE = 150_000
_GAS_CAP = 25_000_000
_U16, _U32, _U64 = 2**16 - 1, 2**32 - 1, 2**64 - 1


#: Rejections decided before line evaluation: their decisions carry no lines.
_BEFORE_LINES = frozenset({
    Reason.DUPLICATE, Reason.INSTITUTION_INACTIVE, Reason.NOT_ENROLLED, Reason.PATIENT_INACTIVE,
    Reason.FUTURE_SERVICE, Reason.NOT_COVERED, Reason.NO_POLICY, Reason.STALE_CLAIM,
    Reason.WAITING_PERIOD,
})


class AlertKind(IntEnum):
    """The ``kind`` of an ``Alert`` event (IClaims)."""

    DUPLICATE = 1
    OVERCLAIM = 2
    VISIT_LIMIT = 3
    REVIEW_THRESHOLD = 4
    INSTITUTION_GRADE = 5


def item_code(code: str) -> bytes:
    """A catalogue code as ``bytes32``: ASCII, right-padded with zero bytes, 1–32 characters."""
    if not isinstance(code, str) or not code:
        raise InputError(f"item code must be a non-empty string, not {code!r}")
    try:
        raw = code.encode("ascii")
    except UnicodeEncodeError:
        raise InputError(f"item code {code!r} is not ASCII") from None
    if len(raw) > 32:
        raise InputError(f"item code {code!r} is longer than 32 characters")
    if b"\0" in raw:
        raise InputError(f"item code {code!r} contains a zero byte")
    return raw.ljust(32, b"\0")


def code_text(raw: bytes) -> str:
    """The code a ``bytes32`` carries (trailing zero bytes stripped)."""
    return bytes(raw).rstrip(b"\0").decode("ascii", errors="replace")


def claim_id_of(institution: str, invoice: str) -> bytes:
    """``keccak256(abi.encode(institution, invoice word))`` (codec.invoice_word;
    docs/decisions.md)."""
    return codec.claim_id(institution, codec.invoice_word(invoice))


def _uint(v: Any, top: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top:
        raise InputError(f"{what} must be an integer 0..{top}, not {v!r}")
    return v


def policy_tuple(p: PolicyVersion) -> tuple[Any, ...]:
    """A model :class:`PolicyVersion` as the ``IPolicy.Policy`` struct (dates → day numbers)."""
    def u(name: str, top: int) -> int:
        return _uint(getattr(p, name), top, f"policy {name}")

    def table(name: str, top: int) -> list[int]:
        return [_uint(v, top, f"policy {name}[{i}]") for i, v in enumerate(getattr(p, name))]

    return (
        to_day(p.effective_from), u("op_deductible", _U64), table("ip_deductible", _U64),
        table("op_ratio_bps", _U16), table("ip_ratio_bps", _U16),
        u("op_annual_cap", _U64), u("annual_cap", _U64), u("monthly_visit_limit", _U16),
        u("class_b_self_pay_bps", _U16), u("cross_region_cut_bps", _U16), u("waiting_days", _U16),
        u("review_threshold", _U64), u("max_claim_age_days", _U16), u("appeal_days", _U16),
    )


def policy_from_tuple(region: int, scheme: Scheme, t: Sequence[Any]) -> PolicyVersion:
    (eff, opd, ipd, opr, ipr, opcap, cap, visits, classb, cut, wait, review, age, appeal) = t
    return PolicyVersion(
        region=region, scheme=scheme, effective_from=from_day(eff), op_deductible=opd,
        ip_deductible=tuple(ipd), op_ratio_bps=tuple(opr), ip_ratio_bps=tuple(ipr),
        op_annual_cap=opcap, annual_cap=cap, monthly_visit_limit=visits,
        class_b_self_pay_bps=classb, cross_region_cut_bps=cut, waiting_days=wait,
        review_threshold=review, max_claim_age_days=age, appeal_days=appeal,
    )


def item_tuple(it: CatalogueItem) -> tuple[Any, ...]:
    """A model :class:`CatalogueItem` as the ``IPolicy.Item`` struct."""
    return (
        item_code(it.code), int(it.category), _uint(it.price_cap, _U64, f"{it.code} price_cap"),
        bool(it.inpatient_only), _uint(it.max_qty, _U32, f"{it.code} max_qty"),
        _uint(it.min_interval_days, _U16, f"{it.code} min_interval_days"),
    )


@dataclass(frozen=True)
class ClaimInput:
    """One claim as the institution (the acting account) submits it.

    ``person`` is the pseudonym; ``invoice`` the institution's invoice number (hashed before
    it is sent); ``service_date`` the admission date of an inpatient claim, which also has
    ``discharge``. ``visit`` may be a raw int (the contract refuses values above 2).
    """

    invoice: str
    person: bytes
    visit: VisitType | int
    service_date: dt.date
    lines: Sequence[ClaimLine]
    discharge: dt.date | None = None
    claimed_fund: int | None = None
    documents: bytes = bytes(32)

    def as_words(self) -> list[bytes]:
        """The claim's words on the wire (:mod:`yibao.codec`): a header of four words and
        two per line. Widths are checked here (InputError); what the contract refuses with a
        named error (no lines, a zero quantity, a bad visit type...) is sent as it is."""
        for i, ln in enumerate(self.lines):
            item_code(ln.code)
            _uint(ln.qty, _U32, f"line {i + 1} qty")
            _uint(ln.unit_price, _U64, f"line {i + 1} unit_price")
        if self.claimed_fund is not None:
            _uint(self.claimed_fund, _U64, "claimed_fund")
        return codec.encode_claim(
            self.invoice, bytes(self.person), _uint(int(self.visit), 255, "visit"),
            self.service_date, [codec.WireLine(ln.code, ln.qty, ln.unit_price) for ln in self.lines],
            self.discharge, self.claimed_fund, bytes(self.documents),
        )

    def gas(self) -> int:
        return min(_GAS_CAP, _GAS_PER_CLAIM + _GAS_PER_LINE * len(self.lines))


@dataclass(frozen=True)
class LineOutcome:
    """How the contract evaluated one line: eligible fen and notes."""

    eligible: int
    notes: LineNote


@dataclass(frozen=True)
class ClaimResult:
    """A claim decision, decoded from the ``ClaimDecided`` event and its ``Alert`` events.

    ``gas_used`` is the gas of the whole transaction (shared by a batch's claims).
    """

    claim_id: bytes
    institution: str
    member: int  # the person's enrolment index (0 when unknown, and on a DUPLICATE decision)
    visit: VisitType | int
    status: ClaimStatus
    reason: Reason
    flags: Flag
    billed: int
    eligible: int
    deductible: int
    fund: int
    lines: tuple[LineOutcome, ...]
    alerts: tuple[AlertKind, ...]
    gas_used: int
    tx_hash: str = ""

    @property
    def patient(self) -> int:
        return self.billed - self.fund

    def decision(self, lines: Sequence[ClaimLine]) -> Decision:
        """The model's :class:`Decision`, line codes and billed amounts taken from ``lines``."""
        return to_decision(self.status, self.reason, self.flags, self.billed, self.eligible,
                           self.deductible, self.fund, line_results(lines, self.lines))


def to_decision(status: ClaimStatus, reason: Reason, flags: Flag, billed: int, eligible: int,
                deductible: int, fund: int, lines: tuple[LineResult, ...]) -> Decision:
    """A model :class:`Decision` from chain figures. The contract keeps what it computed for
    an OVERCLAIM rejection; the model's type shows a REJECTED or CLAWED_BACK claim's
    eligible, deductible and fund as 0 (patient = billed), so they are zeroed here."""
    if status in (ClaimStatus.REJECTED, ClaimStatus.CLAWED_BACK):
        eligible = deductible = fund = 0
    return Decision(status, reason, flags, billed, eligible, deductible, fund, billed - fund, lines)


def line_results(lines: Sequence[ClaimLine], outcomes: Sequence[LineOutcome]) -> tuple[LineResult, ...]:
    """Input lines joined with the contract's per-line outcomes (none for a claim check)."""
    if not outcomes:
        return ()
    if len(outcomes) != len(lines):
        raise ChainError(f"the decision has {len(outcomes)} line results for {len(lines)} lines")
    return tuple(
        LineResult(ln.code, ln.qty * ln.unit_price, o.eligible, o.notes)
        for ln, o in zip(lines, outcomes, strict=True)
    )


@dataclass(frozen=True)
class ClaimView:
    """A stored claim (``claimInfo``); ``status`` NONE when there is none."""

    claim_id: bytes
    status: ClaimStatus
    reason: Reason
    flags: Flag
    visit: VisitType
    service_date: dt.date
    member: int
    institution: int
    billed: int
    eligible: int
    deductible: int
    fund: int

    @property
    def patient(self) -> int:
        return self.billed - self.fund


@dataclass(frozen=True)
class Counters:
    """A person's counters of one calendar year (fen), and visits per month (index 0 = January)."""

    deductible_used: int
    fund_used: int
    op_fund_used: int
    visits: tuple[int, ...]

    def year(self) -> YearCounters:
        return YearCounters(self.deductible_used, self.fund_used, self.op_fund_used)


class Ledger:
    """A client of one deployment, acting as one account at a time."""

    def __init__(self, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> None:
        self.chain = chain
        self.manifest = manifest
        self.address = manifest.ledger
        abi = artifacts.ledger_abi()
        self._contract = chain.w3.eth.contract(address=Web3.to_checksum_address(self.address), abi=abi)
        self._events = EventDecoder(abi)
        chain.decoder = ErrorDecoder(abi)
        self.account: LocalAccount = account or dev_account(0)
        self._outputs = {
            item["name"]: [_abi_type(o) for o in item["outputs"]]
            for item in abi
            if item["type"] == "function"
        }
        # The claim path's calldata is one bytes32[]: encoded directly with eth-abi, which is
        # about 50 times faster than web3's general encoder for a batch of claims.
        self._fast = {"submitClaims": (function_signature_to_4byte_selector("submitClaims(bytes32[])"), ["bytes32[]"])}

    # ------------------------------------------------------------------ construction

    @classmethod
    def deploy(cls, chain: Chain, deployer: LocalAccount | None = None, admin: str | None = None) -> Ledger:
        deployer = deployer or dev_account(0)
        manifest = deploy(chain, deployer, admin)
        return cls(chain, manifest, deployer)

    @classmethod
    def open(cls, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> Ledger:
        """A client from a manifest, after checking it against the package and the node."""
        manifest.verify(chain)
        return cls(chain, manifest, account)

    def acting_as(self, account: LocalAccount) -> Ledger:
        """The same deployment, with transactions signed by ``account``."""
        other = Ledger.__new__(Ledger)
        other.__dict__.update(self.__dict__)
        other.account = account
        return other

    # ------------------------------------------------------------------ plumbing

    def _calldata(self, fn: str, args: tuple[Any, ...]) -> bytes:
        fast = self._fast.get(fn)
        if fast is not None:
            selector, types = fast
            return selector + abi_encode(types, list(args))
        data: str = self._contract.encode_abi(fn, args=list(args))
        return bytes.fromhex(data[2:])

    def transact(self, fn: str, *args: Any, gas: int | None = None) -> TxResult:
        data = self._calldata(fn, args)
        try:
            sent = self.chain.send(self.account, self.address, data, gas=gas)
        except AccessDenied as exc:
            raise self._explain(exc) from None
        events = [e for e in (self._events.decode(log) for log in sent.receipt["logs"]) if e]
        return TxResult(sent.gas_used, events, "0x" + sent.tx_hash.hex())

    def _explain(self, exc: AccessDenied) -> AccessDenied:
        """Name the missing role ("operator of 500000") in the error message."""
        role = exc.inputs.get("neededRole", b"")
        try:
            regions = [int(c) for c in self.call("regionCodes")]
        except Exception:  # noqa: BLE001 - best effort only
            regions = []
        name = describe_role(bytes(role), regions)
        who = Web3.to_checksum_address(exc.inputs.get("account", "0x" + "00" * 20))
        explained = AccessDenied(exc.name, exc.error_args, exc.inputs, exc.selector)
        explained.args = (f"{exc.name}: {who} lacks the role {name}",)
        return explained

    def dry_run(self, fn: str, *args: Any) -> None:
        """Run a write as a call from the acting account: raise the decoded refusal it would
        meet now (a missing role named), write nothing."""
        try:
            self.call(fn, *args)
        except AccessDenied as exc:
            raise self._explain(exc) from None

    def call(self, fn: str, *args: Any) -> Any:
        data = self._contract.encode_abi(fn, args=list(args))
        raw = self.chain.call(self.address, bytes.fromhex(data[2:]), sender=self.account.address)
        values = abi_decode(self._outputs[fn], raw)
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ roles

    def regulator_role(self, region: int) -> bytes:
        return bytes(self.call("regulatorRole", region))

    def operator_role(self, region: int) -> bytes:
        return bytes(self.call("operatorRole", region))

    def reviewer_role(self, region: int) -> bytes:
        return bytes(self.call("reviewerRole", region))

    def institution_role(self) -> bytes:
        return bytes(self.call("institutionRole"))

    def admin_role(self) -> bytes:
        return bytes(32)

    def grant_role(self, role: bytes, account: str) -> TxResult:
        return self.transact("grantRole", role, Web3.to_checksum_address(account))

    def revoke_role(self, role: bytes, account: str) -> TxResult:
        return self.transact("revokeRole", role, Web3.to_checksum_address(account))

    def has_role(self, role: bytes, account: str) -> bool:
        return bool(self.call("hasRole", role, Web3.to_checksum_address(account)))

    # ------------------------------------------------------------------ regions

    def add_region(self, code: int, name: str, opening_balance: int = 0) -> TxResult:
        _money(opening_balance, "opening balance")
        return self.transact("addRegion", code, name, opening_balance)

    def region_codes(self) -> list[int]:
        """Codes of the registered regions, in registration order."""
        return [int(c) for c in self.call("regionCodes")]

    def region(self, code: int) -> dict[str, Any]:
        c, exists, opening, name = self.call("regionInfo", code)
        return {"code": c, "exists": exists, "opening_balance": opening, "name": name}

    # ------------------------------------------------------------------ institutions

    def add_institution(self, account: str, region: int, level: int, grade: Grade | str = Grade.A) -> TxResult:
        g = parse_enum(Grade, grade, "grade")
        return self.transact("addInstitution", Web3.to_checksum_address(account), region, level, int(g))

    def set_institution_status(self, account: str, status: InstitutionStatus | str, reason: int = 0) -> TxResult:
        s = parse_enum(InstitutionStatus, status, "status")
        return self.transact("setInstitutionStatus", Web3.to_checksum_address(account), int(s), reason)

    def set_institution_grade(self, account: str, grade: Grade | str) -> TxResult:
        g = parse_enum(Grade, grade, "grade")
        return self.transact("setInstitutionGrade", Web3.to_checksum_address(account), int(g))

    def institution(self, account: str) -> Institution:
        acct, region, index, level, status, grade, frozen, payable, pending, paid, debt = self.call(
            "institutionInfo", Web3.to_checksum_address(account)
        )
        return Institution(
            Web3.to_checksum_address(acct), region, index, level,
            InstitutionStatus(status), Grade(grade), frozen, payable, pending, paid, debt,
        )

    def institution_count(self) -> int:
        return int(self.call("institutionCount"))

    # ------------------------------------------------------------------ people

    def enrol(self, e: Enrolment) -> TxResult:
        return self.transact("enrol", e.as_tuple())

    def enrol_batch(self, batch: Sequence[Enrolment]) -> TxResult:
        return self.transact(
            "enrolBatch", [e.as_tuple() for e in batch],
            gas=min(50_000_000, 200_000 + _GAS_PER_ENROLMENT * len(batch)),
        )

    def enrol_many(
        self,
        people: Sequence[Enrolment],
        batch_size: int = ENROL_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> list[TxResult]:
        """Enrol many people in batches. Everything is checked first (duplicates in the list,
        people already enrolled), so a bad entry is refused before anything is written."""
        seen: set[bytes] = set()
        regions = {int(c) for c in self.call("regionCodes")}
        for i, e in enumerate(people):
            if len(e.person) != 32 or e.person == bytes(32):
                raise InputError(f"entry {i + 1}: pseudonym must be 32 non-zero bytes")
            if e.region not in regions:
                raise InputError(f"entry {i + 1}: region {e.region} is not registered")
            if e.coverage_to < e.coverage_from:
                raise InputError(f"entry {i + 1}: coverage_to is before coverage_from")
            if e.person in seen:
                raise InputError(f"entry {i + 1}: the same person appears twice")
            seen.add(e.person)
        for start in range(0, len(people), 1000):
            chunk = [e.person for e in people[start:start + 1000]]
            for j, exists in enumerate(self.call("enrolled", chunk)):
                if exists:
                    raise InputError(f"entry {start + j + 1}: person already enrolled")
        results = []
        for start in range(0, len(people), batch_size):
            batch = people[start:start + batch_size]
            results.append(self.enrol_batch(batch))
            if progress:
                progress(len(batch))
        return results

    def update_person(self, person: bytes, scheme: Scheme | str, coverage_from: dt.date,
                      coverage_to: dt.date) -> TxResult:
        s = parse_enum(Scheme, scheme, "scheme")
        return self.transact("updatePerson", person, int(s), to_day(coverage_from), to_day(coverage_to))

    def set_person_wallet(self, person: bytes, wallet: str | None) -> TxResult:
        w = Web3.to_checksum_address(wallet) if wallet else "0x" + "00" * 20
        return self.transact("setPersonWallet", person, w)

    def suspend_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("suspendPerson", person, reason)

    def reinstate_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("reinstatePerson", person, reason)

    def terminate_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("terminatePerson", person, reason)

    def add_filing(self, person: bytes, region: int, start: dt.date, end: dt.date) -> TxResult:
        return self.transact("addFiling", person, region, to_day(start), to_day(end))

    def cancel_filing(self, person: bytes, region: int, start: dt.date) -> TxResult:
        return self.transact("cancelFiling", person, region, to_day(start))

    def person(self, pseudonym: bytes) -> Person:
        p, index, region, scheme, status, reason, cf, ct, wallet = self.call("personInfo", pseudonym)
        filings = tuple(
            Filing(r, from_day(a), from_day(b)) for r, a, b in self.call("filingsOf", pseudonym)
        )
        w = Web3.to_checksum_address(wallet)
        return Person(
            bytes(p), index, region, Scheme(scheme), PersonStatus(status), reason,
            from_day(cf), from_day(ct), None if int(w, 16) == 0 else w, filings,
        )

    def person_count(self) -> int:
        return int(self.call("personCount"))

    def is_covered(self, pseudonym: bytes, day: dt.date) -> bool:
        return bool(self.call("isCovered", pseudonym, to_day(day)))

    def has_filing(self, pseudonym: bytes, region: int, day: dt.date) -> bool:
        return bool(self.call("hasFiling", pseudonym, region, to_day(day)))

    def today(self) -> dt.date:
        return from_day(int(self.call("today")))

    # ------------------------------------------------------------------ rule base (IPolicy)

    def add_policy(self, p: PolicyVersion) -> TxResult:
        """Add a policy version of ``p.region`` × ``p.scheme`` (regulator of the region)."""
        return self.transact("addPolicy", p.region, int(p.scheme), policy_tuple(p), gas=1_000_000)

    def policy_at(self, region: int, scheme: Scheme | str, day: dt.date) -> PolicyVersion:
        """The version in force on ``day`` (``PolicyNotFound`` if none)."""
        s = parse_enum(Scheme, scheme, "scheme")
        p, _index = self.call("policyAt", region, int(s), to_day(day))
        return policy_from_tuple(region, s, p)

    def policy_count(self, region: int, scheme: Scheme | str) -> int:
        return int(self.call("policyCount", region, int(parse_enum(Scheme, scheme, "scheme"))))

    def set_items(self, region: int, items: Sequence[CatalogueItem], batch: int = ITEM_BATCH) -> list[TxResult]:
        """Add or change catalogue items of ``region``, ``batch`` per transaction.
        Every item is checked (codes, widths) before anything is sent."""
        rows = [item_tuple(it) for it in items]
        return [
            self.transact("setItems", region, list(chunk),
                          gas=min(_GAS_CAP, 150_000 + _GAS_PER_ITEM * len(chunk)))
            for chunk in iter_chunks(rows, batch)
        ]

    def remove_items(self, region: int, codes: Sequence[str], batch: int = ITEM_BATCH) -> list[TxResult]:
        """Remove catalogue items of ``region`` (``ItemUnknown`` for a code it lacks)."""
        raw = [item_code(c) for c in codes]
        return [
            self.transact("removeItems", region, list(chunk),
                          gas=min(_GAS_CAP, 150_000 + 40_000 * len(chunk)))
            for chunk in iter_chunks(raw, batch)
        ]

    def item(self, region: int, code: str) -> CatalogueItem:
        """A catalogue item of ``region`` (``ItemUnknown`` if absent)."""
        raw, category, price_cap, inpatient_only, max_qty, interval = self.call(
            "itemOf", region, item_code(code))
        return CatalogueItem(code_text(raw), Category(category), price_cap, inpatient_only,
                             max_qty, interval)

    # ------------------------------------------------------------------ claims (IClaims)

    def submit_claim(self, claim: ClaimInput) -> ClaimResult:
        """Submit and decide one claim of the acting institution."""
        return self.submit_claims([claim])[0]

    def submit_claims(self, claims: Sequence[ClaimInput]) -> list[ClaimResult]:
        """Submit claims in one transaction (``submitClaims`` of their words); each is decided
        on its own, a malformed one reverts them all."""
        words = [w for c in claims for w in c.as_words()]
        gas = min(_GAS_CAP, sum(c.gas() for c in claims) or _GAS_PER_CLAIM)
        tx = self.transact("submitClaims", words, gas=gas)
        return self._claim_results(tx, [len(c.lines) for c in claims])

    def _claim_results(self, tx: TxResult, line_counts: Sequence[int]) -> list[ClaimResult]:
        """Decisions in log order, one per submitted claim (``line_counts`` of them).

        A claim's events are ``ClaimDecided`` (the first six lines packed in ``lines``), then
        ``ClaimLines`` when it has more than six lines, then its ``Alert`` events, all with its
        claim id. The bits are :mod:`yibao.codec`'s business. A claim rejected before
        line evaluation (a claim check, DUPLICATE) has no lines.
        """
        decided: list[tuple[dict[str, Any], list[int], list[AlertKind]]] = []
        for e in tx.events:
            a = e["args"]
            if e["event"] == "ClaimDecided":
                decided.append((a, [int(a["lines"])], []))
                continue
            if e["event"] not in ("ClaimLines", "Alert"):
                continue
            if not decided or bytes(decided[-1][0]["claimId"]) != bytes(a["claimId"]):
                raise ChainError(f"a {e['event']} event without its claim decision before it")
            if e["event"] == "ClaimLines":
                decided[-1][1].extend(int(x) for x in a["more"])
            else:
                decided[-1][2].append(AlertKind(a["kind"]))
        if len(decided) != len(line_counts):
            raise ChainError(f"{len(decided)} claim decisions for {len(line_counts)} claims")
        out: list[ClaimResult] = []
        for (a, words, alerts), n in zip(decided, line_counts, strict=True):
            reason = Reason(codec.decision_reason(int(a["decision"])))
            evaluated = reason not in _BEFORE_LINES
            if evaluated and len(words) != max(1, (n + 5) // 6):
                raise ChainError(f"{len(words)} line words for a claim of {n} lines")
            d = codec.decode_decision(
                bytes(a["claimId"]), int(a["decision"]), words if evaluated else [], n)
            out.append(ClaimResult(
                claim_id=d.claim_id,
                institution=self.account.address,  # the submitter (ClaimDecided has no topic for it)
                member=d.member,
                visit=VisitType(d.visit) if d.visit in VisitType._value2member_map_ else d.visit,
                status=ClaimStatus(d.status),
                reason=reason,
                flags=Flag(d.flags),
                billed=d.billed,
                eligible=d.eligible,
                deductible=d.deductible,
                fund=d.fund,
                lines=tuple(LineOutcome(e, LineNote(notes)) for e, notes in d.lines),
                alerts=tuple(alerts),
                gas_used=tx.gas_used,
                tx_hash=tx.tx_hash,
            ))
        return out

    def claim(self, claim_id: bytes) -> ClaimView:
        """The stored claim (status NONE when there is none)."""
        (cid, status, reason, flags, visit, service_day, member, institution,
         billed, eligible, deductible, fund) = self.call("claimInfo", claim_id)
        return ClaimView(bytes(cid), ClaimStatus(status), Reason(reason), Flag(flags),
                         VisitType(visit), from_day(service_day), member, institution,
                         billed, eligible, deductible, fund)

    def claim_id(self, institution: str, invoice_number: str) -> bytes:
        """The id a claim of ``institution`` with this invoice number gets (computed locally)."""
        return claim_id_of(institution, invoice_number)

    # ------------------------------------------------------------------ after the decision

    def review(self, claim_id: bytes, approve: bool, reason: str = "", evidence: str = "") -> TxResult:
        """A reviewer decides a FLAGGED claim or an APPEALED one. ``reason`` is a short code
        (≤ 32 bytes of UTF-8, stored as is); ``evidence`` is stored as its keccak256 hash."""
        return self.transact("review", claim_id, approve, _short_code(reason), _evidence(evidence))

    def appeal(self, claim_id: bytes) -> TxResult:
        """The claim's institution appeals a reviewer's rejection."""
        return self.transact("appeal", claim_id)

    def settle(self, institution: str, payment_ref: str = "") -> TxResult:
        """Pay an institution its approved, unsettled fund shares; ``payment_ref`` is the
        off-chain payment order, stored as its hash."""
        return self.transact("settle", Web3.to_checksum_address(institution), _evidence(payment_ref))

    def clear(self, from_region: int, to_region: int, amount: int | None = None) -> TxResult:
        """``from_region`` pays ``to_region`` what it owes (all of it by default)."""
        return self.transact("clear", from_region, to_region, (1 << 256) - 1 if amount is None else amount)

    def clawback(self, claim_id: bytes, reason: str = "", evidence: str = "") -> TxResult:
        return self.transact("clawback", claim_id, _short_code(reason), _evidence(evidence))

    def set_frozen(self, institution: str, frozen: bool) -> TxResult:
        return self.transact("setFrozen", Web3.to_checksum_address(institution), frozen)

    def contribute(self, person: bytes, amount: int) -> TxResult:
        return self.transact("contribute", person, amount)

    def fund(self, region: int) -> dict[str, int]:
        """A region's fund: opening, balance, contributions, settled, clearing in/out, recovered."""
        names = ("opening", "balance", "contributions", "settled", "clearing_in", "clearing_out", "recovered")
        return dict(zip(names, (int(v) for v in self.call("fundOf", region)), strict=True))

    def owed(self, home: int, treating: int) -> int:
        """What ``home``'s fund owes ``treating``'s fund for settled cross-region care."""
        return int(self.call("owedBetween", home, treating))

    def counters(self, person: bytes, year: int) -> Counters:
        d, f, op, visits = self.call("countersOf", person, year)
        return Counters(int(d), int(f), int(op), tuple(int(v) for v in visits))


def _abi_type(p: dict[str, Any]) -> str:
    t: str = p["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + t[5:]
    return t


def _money(v: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise InputError(f"{what} must be a non-negative integer number of fen, not {v!r}")
    return v


def iter_chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def role_ids(region: int) -> dict[str, bytes]:
    """The regional role ids, computed as the contracts compute them (libraries/Roles.sol)."""
    from eth_abi.abi import encode

    return {
        f"{kind} of {region}": keccak(encode(["string", "uint32"], [f"yibao.role.{kind}", region]))
        for kind in ("regulator", "operator", "reviewer")
    }


def describe_role(role: bytes, regions: Iterable[int]) -> str:
    """A readable name for a role id."""

    if role == bytes(32):
        return "admin"
    if role == keccak(text="yibao.role.institution"):
        return "institution"
    for code in regions:
        for name, rid in role_ids(code).items():
            if rid == role:
                return name
    return "0x" + role.hex()


def _short_code(text: str) -> bytes:
    raw = text.encode("utf-8") if text else b""
    if len(raw) > 32:
        raise InputError(f"reason code {text!r} is longer than 32 bytes in UTF-8")
    return raw.ljust(32, b"\0")


def _evidence(text: str) -> bytes:

    return keccak(text.encode("utf-8")) if text else bytes(32)
