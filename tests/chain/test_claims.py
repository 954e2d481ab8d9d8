"""Policies, the catalogue and claims on chain, through the client (IPolicy, IClaims).

Every chain test runs on both backends from one world built per backend (module scope)
and restored after each test by the ``ledger`` fixture's snapshot/revert. The world
mirrors the reference model's standard world (``tests/model/modelworld.py``) in year
``Y`` = next year of the chain's clock (the chain clock only moves forward), so the
figures below are the model tests' hand-computed figures:

Regions CQ 500000 (fund 10,000,000 fen) and GZ 440100 (5,000,000). Policy CQ × EMPLOYEE
from Y-01-01: op deductible 10,000; inpatient deductible 20,000 / 50,000 / 100,000 by
level; op ratios 5000/7000/6000/5000 by level 0..3; inpatient ratios 9000/8500/8000; op cap
500,000; annual cap 1,000,000; 3 visits a month; class-B self-pay 1000 bps; cross-region
cut 1000 bps; no waiting; review threshold 100,000; stale after 90 days; 15 appeal days.
Institutions H3 (CQ, level 3), H1 (CQ, level 1), D0 (CQ pharmacy), G2 (GZ, level 2).
P1 is enrolled in CQ × EMPLOYEE for the whole year.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from worlds.rules import CATALOGUE_CQ, CATALOGUE_GZ, POLICY
from worlds.fixtures import world_fixtures
from worlds.registry_world import denied, dev_account, reverts
from yibao.chain import Chain
from yibao.simulate.chain_engine import ChainEngine, derived_account, pseudonym_of
from yibao.codec import decode_code, encode_code, policy_from_tuple, policy_tuple
from yibao.client import AlertKind, ClaimInput, ClaimResult, Enrolment, Ledger, LineOutcome, claim_id_of
from yibao.units import noon_cst, to_day
from yibao.errors import ContractError, InputError
from yibao.model.types import (
    CatalogueItem, Category, ClaimLine, ClaimStatus, Decision, Flag, Grade, InstitutionStatus, LineNote,
    LineResult, PolicyVersion, Reason, Scheme, VisitType, YearCounters
)
from yibao.chain.node import AnvilNode
from yibao.simulate.scenario import Scenario, load_scenario
from yibao.simulate import ModelEngine, run_scenario

CQ, GZ = 500000, 440100
OP, IP, PH = VisitType.OUTPATIENT, VisitType.INPATIENT, VisitType.PHARMACY
A, B, C = Category.A, Category.B, Category.C
DATA = Path(__file__).resolve().parents[1] / "scenario" / "data"


def make_policy(year: int, **kw: Any) -> PolicyVersion:
    return replace(POLICY, **{"effective_from": dt.date(year, 1, 1), **kw})


#: Roles of the world: dev account numbers; institutions use derived keys.
ROLES = {"admin": 0, "regulator": 1, "regulator_gz": 2, "operator": 3, "operator_gz": 4,
         "reviewer": 5, "stranger": 7}
INSTITUTIONS = {"H3": (CQ, 3), "H1": (CQ, 1), "D0": (CQ, 0), "G2": (GZ, 2)}


def inst_key(name: str) -> LocalAccount:
    acct: LocalAccount = Account.from_key(keccak(text=f"yibao.tests.claims:{name}"))
    return acct


@dataclass
class World:
    admin: Ledger
    year: int
    accounts: dict[str, LocalAccount]
    people: dict[str, bytes] = field(default_factory=dict)
    tx_today: int = 0

    # ---- time

    def D(self, month: int, day: int, year_offset: int = 0) -> dt.date:
        return dt.date(self.year + year_offset, month, day)

    def at(self, d: dt.date) -> None:
        """Move the chain to noon CST of ``d`` (or a second later than now, that same day)."""
        chain = self.admin.chain
        ts = max(noon_cst(d), chain.timestamp() + 1)
        assert ts < noon_cst(d) + 3600, f"the chain is already past {d}"
        chain.set_next_timestamp(ts)

    # ---- parties

    def as_role(self, role: str) -> Ledger:
        return self.admin.acting_as(self.accounts[role])

    @property
    def regulator(self) -> Ledger:
        return self.as_role("regulator")

    @property
    def operator(self) -> Ledger:
        return self.as_role("operator")

    def enrol(self, name: str, scheme: Scheme = Scheme.EMPLOYEE, start: dt.date | None = None,
              end: dt.date | None = None, region: int = CQ) -> bytes:
        pid = keccak(text=f"person:{name}")
        op = self.operator if region == CQ else self.as_role("operator_gz")
        op.enrol(Enrolment(pid, region, scheme, start or self.D(1, 1), end or self.D(12, 31)))
        self.people[name] = pid
        return pid

    def person(self, name: str) -> bytes:
        return self.people.get(name) or keccak(text=f"person:{name}")

    # ---- claims

    def input(self, invoice: str, lines: list[tuple[str, int, int]], *, day: dt.date,
              person: str = "P1", visit: VisitType | int = OP, discharge: dt.date | None = None,
              claimed_fund: int | None = None) -> ClaimInput:
        return ClaimInput(invoice, self.person(person), visit, day,
                          tuple(ClaimLine(*x) for x in lines), discharge, claimed_fund)

    def claim(self, invoice: str, lines: list[tuple[str, int, int]], *, day: dt.date,
              today: dt.date | None = None, inst: str = "H3", **kw: Any) -> ClaimResult:
        """Submit a claim on ``today`` (default: the service day) as institution ``inst``."""
        self.at(today or day)
        return self.admin.acting_as(self.accounts[inst]).submit_claim(
            self.input(invoice, lines, day=day, **kw))

    def stored(self, invoice: str, inst: str = "H3") -> Any:
        return self.admin.claim(claim_id_of(self.accounts[inst].address, invoice))

    def counters(self, person: str = "P1") -> YearCounters:
        return self.admin.counters(self.person(person), self.year).year()

    def visits(self, month: int, person: str = "P1") -> int:
        return self.admin.counters(self.person(person), self.year).visits[month - 1]


def build_world(admin: Ledger) -> World:
    year = admin.today().year + 1
    accounts = {role: dev_account(i) for role, i in ROLES.items()}
    accounts.update({name: inst_key(name) for name in INSTITUTIONS})
    w = World(admin, year, accounts)
    w.at(w.D(1, 1))
    admin.add_region(CQ, "Chongqing", 10_000_000)
    admin.add_region(GZ, "Guangzhou", 5_000_000)
    admin.grant_role(admin.regulator_role(CQ), accounts["regulator"].address)
    admin.grant_role(admin.regulator_role(GZ), accounts["regulator_gz"].address)
    reg, reg_gz = w.regulator, w.as_role("regulator_gz")
    reg.grant_role(admin.operator_role(CQ), accounts["operator"].address)
    reg.grant_role(admin.reviewer_role(CQ), accounts["reviewer"].address)
    reg_gz.grant_role(admin.operator_role(GZ), accounts["operator_gz"].address)
    reg.add_policy(make_policy(year))
    reg.set_items(CQ, CATALOGUE_CQ)
    reg_gz.set_items(GZ, CATALOGUE_GZ)
    for name, (region, level) in INSTITUTIONS.items():
        admin.chain.fund(accounts[name].address)
        (reg if region == CQ else reg_gz).add_institution(accounts[name].address, region, level)
    w.enrol("P1")
    return w


world_state, w = world_fixtures(build_world)


def figures(r: ClaimResult) -> tuple[Any, ...]:
    return (r.status, r.reason, r.flags, r.billed, r.eligible, r.deductible, r.fund, r.patient)


def approved(r: ClaimResult) -> None:
    assert (r.status, r.reason, r.flags, r.alerts) == (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE, ())


def rejected(r: ClaimResult, reason: Reason, billed: int) -> None:
    """A claim-check rejection: billed only, no lines, no counting."""
    assert figures(r) == (ClaimStatus.REJECTED, reason, Flag.NONE, billed, 0, 0, 0, billed)
    assert r.lines == ()


# ====================================================================== pure client helpers


def test_item_codes_travel_as_bytes32() -> None:
    assert encode_code("XA01") == b"XA01" + bytes(28)
    assert decode_code(encode_code("XA01")) == "XA01"
    assert decode_code(encode_code("X" * 32)) == "X" * 32
    for bad in ("", "X" * 33, "药品01", "A\0B"):
        with pytest.raises(InputError):
            encode_code(bad)


def _marked(h: bytes) -> bytes:
    """keccak256 with the last bit set: the hashed form of an invoice number (decisions.md)."""
    return h[:31] + bytes([h[31] | 1])


def test_claim_id_is_keccak_of_institution_and_the_invoice_key() -> None:
    from eth_abi import encode

    inst = "0x" + "ab" * 20
    # decisions.md: the key of an invoice number is keccak256(utf8) | 1, whatever form it travels in
    want = keccak(encode(["address", "bytes32"], [inst, _marked(keccak("发票-001".encode()))]))
    assert claim_id_of(inst, "发票-001") == want
    assert claim_id_of(inst, "发票-002") != want
    long = "INV-" + "9" * 28  # 32 bytes: carried as its hash
    assert claim_id_of(inst, long) == keccak(encode(["address", "bytes32"], [inst, _marked(keccak(long.encode()))]))


def test_invoice_word_forms() -> None:
    from yibao.codec import invoice_key, invoice_word

    assert invoice_word("A" * 31) == b"A" * 31 + b"\0"
    assert invoice_word("A" * 32) == _marked(keccak(b"A" * 32))
    assert invoice_word("A\0B") == _marked(keccak(b"A\0B"))  # a zero byte would be ambiguous raw
    assert invoice_word("INV") != invoice_word("INV\0")
    # one number, one key: the raw word and the hashed word of a short number agree
    assert invoice_key(invoice_word("INV-7")) == invoice_key(_marked(keccak(b"INV-7"))) == _marked(keccak(b"INV-7"))
    for bad in (bytes(32), b"A\0B".ljust(32, b"\0"), b"\0A".ljust(32, b"\0"), b"\x01" * 31 + b"\x02"):
        with pytest.raises(InputError, match="malformed"):
            invoice_key(bad)
    with pytest.raises(InputError):
        invoice_word("")


def test_one_invoice_has_one_claim_id_on_chain(w: World) -> None:
    """The raw word of a short invoice number and its hashed word are one claim: the second
    submission is DUPLICATE (the review found two ids for one invoice)."""
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    first = h3.submit_claim(w.input("INV-DUP", [("XA01", 1, 100)], day=w.D(3, 2)))
    words = w.input("INV-DUP", [("XA01", 1, 100)], day=w.D(3, 2)).as_words()
    words[0] = _marked(keccak(b"INV-DUP"))
    tx = h3.transact("submitClaims", words)
    decided = tx.named("ClaimDecided")[0]
    assert bytes(decided["claimId"]) == first.claim_id
    assert Reason(int(decided["decision"]) >> 3 & 0x1F) is Reason.DUPLICATE
    # the view (Words.sol) and the claim path's Yul give the same id to both forms
    for form in (words[0], b"INV-DUP".ljust(32, b"\0")):
        assert bytes(h3.call("claimIdOf", w.accounts["H3"].address, form)) == first.claim_id


@pytest.mark.parametrize("word", [
    bytes(32),  # no number at all
    b"A\0B".ljust(32, b"\0"),  # a zero byte inside a raw number
    b"\0AB".ljust(32, b"\0"),  # a raw number starting with a zero byte
    b"\x01" * 31 + b"\x02",  # neither raw (last byte 0) nor a marked hash (last bit 1)
])
def test_malformed_invoice_word_reverts_by_name(w: World, word: bytes) -> None:
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    words = w.input("X", [("XA01", 1, 100)], day=w.D(3, 2)).as_words()
    words[0] = word
    reverts("InvoiceMalformed", lambda: h3.transact("submitClaims", words), word)
    reverts("InvoiceMalformed", lambda: h3.call("claimIdOf", w.accounts["H3"].address, word), word)
    assert w.counters() == YearCounters()


def test_policy_round_trips_through_the_struct() -> None:
    p = make_policy(2030)
    t = policy_tuple(p)
    assert t[0] == (dt.date(2030, 1, 1) - dt.date(1970, 1, 1)).days
    assert t[2] == [0, 20_000, 50_000, 100_000]
    assert policy_from_tuple(CQ, Scheme.EMPLOYEE, t) == p
    with pytest.raises(InputError, match="waiting_days"):
        policy_tuple(replace(p, waiting_days=70_000))


def test_claim_input_checks_widths_before_sending() -> None:
    base = ClaimInput("I", bytes(32), OP, dt.date(2030, 1, 1), (ClaimLine("XA01", 1, 1),))
    words = base.as_words()
    assert len(words) == 4 + 2 and words[4] == encode_code("XA01")
    assert words[0] == b"I".ljust(32, b"\0") and words[1] == bytes(32)
    meta = int.from_bytes(words[3], "big")
    assert (meta >> 80) & 1 == 0  # no claimed fund
    meta = int.from_bytes(replace(base, claimed_fund=7).as_words()[3], "big")
    assert ((meta >> 80) & 1, meta >> 88) == (1, 7)
    assert len(replace(base, lines=()).as_words()) == 4  # left for the contract to refuse
    with pytest.raises(InputError, match="qty"):
        replace(base, lines=(ClaimLine("XA01", 2**32, 1),)).as_words()
    with pytest.raises(InputError, match="unit_price"):
        replace(base, lines=(ClaimLine("XA01", 1, -1),)).as_words()
    with pytest.raises(InputError, match="longer than 32"):
        replace(base, lines=(ClaimLine("Y" * 33, 1, 1),)).as_words()


def test_engine_identities_are_deterministic() -> None:
    assert pseudonym_of("P1") == pseudonym_of("P1") != pseudonym_of("P2")
    assert len(pseudonym_of("P1")) == 32
    assert derived_account("institution", "H1").address == derived_account("institution", "H1").address
    assert derived_account("institution", "H1").address != derived_account("reviewer", "H1").address


# ====================================================================== policy and catalogue


def test_policy_and_items_read_back(w: World) -> None:
    p = make_policy(w.year)
    assert w.admin.policy_at(CQ, Scheme.EMPLOYEE, w.D(6, 1)) == p
    assert w.admin.policy_count(CQ, "EMPLOYEE") == 1
    assert w.admin.item(CQ, "XP01") == CatalogueItem("XP01", A, price_cap=3000)
    assert w.admin.item(CQ, "XT01") == CatalogueItem("XT01", A, min_interval_days=7)
    assert w.admin.item(GZ, "GA01") == CatalogueItem("GA01", A)
    reverts("ItemUnknown", lambda: w.admin.item(GZ, "XA01"), GZ, encode_code("XA01"))
    reverts("PolicyNotFound", lambda: w.admin.policy_at(CQ, Scheme.EMPLOYEE, w.D(12, 31, -1)))
    reverts("PolicyNotFound", lambda: w.admin.policy_at(CQ, Scheme.RESIDENT, w.D(6, 1)))


def test_policy_versions(w: World) -> None:
    reg = w.regulator
    later = make_policy(w.year, effective_from=w.D(7, 1), op_deductible=5000)
    tx = reg.add_policy(later)
    assert tx.named("PolicyVersionAdded") == [
        {"region": CQ, "scheme": 0, "index": 1, "effectiveFrom": (w.D(7, 1) - dt.date(1970, 1, 1)).days}
    ]
    assert w.admin.policy_at(CQ, Scheme.EMPLOYEE, w.D(6, 30)).op_deductible == 10_000
    assert w.admin.policy_at(CQ, Scheme.EMPLOYEE, w.D(7, 1)) == later
    reverts("PolicyVersionNotAfterLatest", lambda: reg.add_policy(later))
    reverts("PolicyVersionNotAfterLatest",
            lambda: reg.add_policy(replace(later, effective_from=w.D(3, 1))))
    reverts("BpsOutOfRange",
            lambda: reg.add_policy(replace(later, effective_from=w.D(8, 1), op_ratio_bps=(5000, 10001, 0, 0))),
            10001)
    reverts("PolicyFieldTooLarge",
            lambda: reg.add_policy(replace(later, effective_from=w.D(8, 1), annual_cap=2**48)))
    reverts("RegionUnknown", lambda: reg.add_policy(replace(later, region=310000)))
    assert w.admin.policy_count(CQ, Scheme.EMPLOYEE) == 2


def test_set_and_remove_items(w: World) -> None:
    reg = w.regulator
    txs = reg.set_items(CQ, [CatalogueItem(f"N{i:03d}", B, max_qty=i) for i in range(1, 6)], batch=2)
    assert len(txs) == 3 and [len(t.named("CatalogueItemSet")) for t in txs] == [2, 2, 1]
    assert w.admin.item(CQ, "N004") == CatalogueItem("N004", B, max_qty=4)
    reg.set_items(CQ, [CatalogueItem("N004", C)])  # change
    assert w.admin.item(CQ, "N004") == CatalogueItem("N004", C)
    tx = reg.remove_items(CQ, ["N001", "N004"])
    assert [decode_code(e["code"]) for e in tx[0].named("CatalogueItemRemoved")] == ["N001", "N004"]
    reverts("ItemUnknown", lambda: w.admin.item(CQ, "N004"))
    reverts("ItemUnknown", lambda: reg.remove_items(CQ, ["N002", "N004"]))
    assert w.admin.item(CQ, "N002").max_qty == 2  # the whole removal reverted
    reverts("BatchSizeInvalid", lambda: reg.transact("setItems", CQ, []))
    reverts("ItemInvalid", lambda: reg.transact("setItems", CQ, [(encode_code("Z"), 3, 0, False, 0, 0)]))
    reverts("ItemInvalid", lambda: reg.transact("setItems", CQ, [(bytes(32), 0, 0, False, 0, 0)]))


# ====================================================================== the role matrix

MATRIX = """
              admin  regulator  regulator_gz  operator  reviewer  H3  stranger
addPolicy     -      Y          -             -         -         -   -
setItems      -      Y          -             -         -         -   -
removeItems   -      Y          -             -         -         -   -
submitClaim   U      U          U             U         U         Y   U
submitClaims  U      U          U             U         U         Y   U
"""
#: Y allowed; - AccessControlUnauthorizedAccount (regulator of CQ needed); U InstitutionUnknown.


def _matrix() -> list[tuple[str, str, str]]:
    rows = [ln.split() for ln in MATRIX.strip().splitlines()]
    header, body = rows[0], rows[1:]
    return [(fn, role, cell) for fn, *cells in body for role, cell in zip(header, cells, strict=True)]


def _act(fn: str, lg: Ledger, w: World) -> Callable[[], Any]:
    if fn == "addPolicy":
        return lambda: lg.add_policy(make_policy(w.year, effective_from=w.D(2, 1)))
    if fn == "setItems":
        return lambda: lg.set_items(CQ, [CatalogueItem("NEW1", A)])
    if fn == "removeItems":
        return lambda: lg.remove_items(CQ, ["XA01"])
    claim = w.input("M1", [("XA01", 1, 100)], day=w.D(1, 1))
    if fn == "submitClaim":
        return lambda: lg.submit_claim(claim)
    return lambda: lg.submit_claims([claim])


def _observe(fn: str, w: World) -> Any:
    if fn == "addPolicy":
        return w.admin.policy_count(CQ, Scheme.EMPLOYEE)
    if fn == "setItems":
        try:
            return w.admin.item(CQ, "NEW1")
        except ContractError as e:
            return e.name
    if fn == "removeItems":
        try:
            return w.admin.item(CQ, "XA01")
        except ContractError as e:
            return e.name
    try:
        return w.stored("M1").status
    except ContractError as e:
        return e.name


@pytest.mark.parametrize(("fn", "role", "cell"), _matrix(), ids=lambda v: str(v))
def test_role_matrix(w: World, fn: str, role: str, cell: str) -> None:
    lg = w.as_role(role)
    acct = w.accounts[role]
    before = _observe(fn, w)
    w.at(w.D(1, 1))
    if cell == "Y":
        _act(fn, lg, w)()
        assert _observe(fn, w) != before
    elif cell == "-":
        denied(_act(fn, lg, w), acct, w.admin.regulator_role(CQ))
        assert _observe(fn, w) == before
    else:
        reverts("InstitutionUnknown", _act(fn, lg, w), acct.address)
        assert _observe(fn, w) == before


def test_regulator_of_another_region_is_refused_on_its_own_region_only(w: World) -> None:
    gz = w.as_role("regulator_gz")
    gz.set_items(GZ, [CatalogueItem("GB01", B)])
    assert w.admin.item(GZ, "GB01").category is B
    denied(lambda: gz.set_items(CQ, [CatalogueItem("GB01", B)]), w.accounts["regulator_gz"],
           w.admin.regulator_role(CQ))


# ====================================================================== worked examples


def test_outpatient_worked_example(w: World) -> None:
    r = w.claim("INV1", [
        ("XA01", 2, 12550),  # A: 25100 eligible
        ("XB01", 1, 5000),  # B: 5000 × 9000 / 10000 = 4500
        ("XC01", 1, 1000),  # C: 0
        ("ZZ99", 1, 700),  # not in catalogue: 0
        ("XP01", 2, 5000),  # price cap 3000: 2 × 3000 = 6000
    ], day=w.D(3, 2))
    approved(r)
    # billed 41800; E 35600; d = min(35600, 10000); fund = 25600 × 5000 / 10000 (level 3)
    assert figures(r)[3:] == (41800, 35600, 10000, 12800, 29000)
    assert r.lines == (
        LineOutcome(25100, LineNote.NONE),
        LineOutcome(4500, LineNote.NONE),
        LineOutcome(0, LineNote.CATEGORY_C),
        LineOutcome(0, LineNote.NOT_IN_CATALOGUE),
        LineOutcome(6000, LineNote.PRICE_CAPPED),
    )
    lines = w.input("INV1", [("XA01", 2, 12550), ("XB01", 1, 5000), ("XC01", 1, 1000),
                             ("ZZ99", 1, 700), ("XP01", 2, 5000)], day=w.D(3, 2)).lines
    assert r.decision(lines) == Decision(
        ClaimStatus.APPROVED, Reason.NONE, Flag.NONE, 41800, 35600, 10000, 12800, 29000,
        (LineResult("XA01", 25100, 25100), LineResult("XB01", 5000, 4500),
         LineResult("XC01", 1000, 0, LineNote.CATEGORY_C),
         LineResult("ZZ99", 700, 0, LineNote.NOT_IN_CATALOGUE),
         LineResult("XP01", 10000, 6000, LineNote.PRICE_CAPPED)),
    )
    assert r.claim_id == w.admin.claim_id(w.accounts["H3"].address, "INV1")
    assert r.institution == w.accounts["H3"].address and r.visit is OP
    assert r.member == 1  # P1 was enrolled first
    s = w.stored("INV1")
    assert (s.status, s.reason, s.flags, s.visit, s.service_date) == (
        ClaimStatus.APPROVED, Reason.NONE, Flag.NONE, OP, w.D(3, 2))
    assert (s.billed, s.eligible, s.deductible, s.fund, s.patient) == (41800, 35600, 10000, 12800, 29000)
    assert w.counters() == YearCounters(10000, 12800, 12800)
    assert w.visits(3) == 1
    assert w.admin.institution(w.accounts["H3"].address).payable == 12800


def test_annual_deductible_shared_by_claims(w: World) -> None:
    r1 = w.claim("A", [("XA01", 1, 6000)], day=w.D(3, 2))
    assert (r1.deductible, r1.fund, r1.patient) == (6000, 0, 6000)
    r2 = w.claim("B", [("XA01", 1, 10000)], day=w.D(3, 3), inst="H1")
    # d = min(10000, 10000 − 6000) = 4000; fund = 6000 × 7000 / 10000 = 4200 (level 1)
    assert (r2.deductible, r2.fund, r2.patient) == (4000, 4200, 5800)
    assert w.counters() == YearCounters(10000, 4200, 4200)


def test_inpatient_worked_example_with_inpatient_only_and_qty_cap(w: World) -> None:
    r = w.claim("IP1", [("XI01", 1, 50000), ("XQ01", 5, 1000)], day=w.D(3, 2),
                today=w.D(3, 6), inst="H1", visit=IP, discharge=w.D(3, 6))
    approved(r)
    # E = 50000 + 2 × 1000; d = 20000 (level 1); fund = 32000 × 9000 / 10000
    assert figures(r)[3:] == (55000, 52000, 20000, 28800, 26200)
    assert r.lines == (LineOutcome(50000, LineNote.NONE), LineOutcome(2000, LineNote.QTY_CAPPED))
    assert w.counters() == YearCounters(0, 28800, 0)  # no annual deductible, no op fund
    assert w.visits(3) == 0
    assert w.stored("IP1", "H1").visit is IP


def test_inpatient_only_item_on_an_outpatient_claim(w: World) -> None:
    r = w.claim("IO", [("XI01", 1, 50000), ("XA01", 1, 20000)], day=w.D(3, 2))
    assert r.lines == (LineOutcome(0, LineNote.INPATIENT_ONLY), LineOutcome(20000, LineNote.NONE))
    assert (r.eligible, r.deductible, r.fund) == (20000, 10000, 5000)


def test_price_and_quantity_caps_together(w: World) -> None:
    w.regulator.set_items(CQ, [CatalogueItem("XPQ", B, price_cap=1000, max_qty=3)])
    r = w.claim("PQ", [("XPQ", 5, 1500)], day=w.D(3, 2))
    # 3 × 1000 = 3000, class B: 2700
    assert r.lines == (LineOutcome(2700, LineNote.PRICE_CAPPED | LineNote.QTY_CAPPED),)
    # at the cap exactly: no note
    r = w.claim("PQ2", [("XPQ", 3, 1000)], day=w.D(3, 3))
    assert r.lines == (LineOutcome(2700, LineNote.NONE),)


def test_pharmacy_claim_at_a_retail_pharmacy(w: World) -> None:
    r = w.claim("PH1", [("XA01", 1, 30000)], day=w.D(3, 2), inst="D0", visit=PH)
    # d = 10000; fund = 20000 × 5000 / 10000 (level 0)
    assert figures(r) == (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE, 30000, 30000, 10000, 10000, 20000)
    assert w.visits(3) == 1


def test_cross_region_cut_and_filing(w: World) -> None:
    r = w.claim("G1", [("GA01", 1, 30000)], day=w.D(3, 2), inst="G2")
    # ratio 6000 − 1000 = 5000; fund = (30000 − 10000) × 5000 / 10000
    assert (r.deductible, r.fund) == (10000, 10000)
    w.operator.add_filing(w.person("P1"), GZ, w.D(3, 3), w.D(3, 31))
    r = w.claim("G2", [("GA01", 1, 30000)], day=w.D(3, 3), inst="G2")
    assert r.fund == 18000  # deductible used up: 30000 × 6000 / 10000
    ip = w.claim("G3", [("GA01", 10, 10000)], day=w.D(3, 31), today=w.D(4, 2), inst="G2",
                 visit=IP, discharge=w.D(4, 2))
    assert (ip.deductible, ip.fund) == (50000, 42500)  # filing covers the admission day: 8500
    late = w.claim("G4", [("GA01", 1, 10000)], day=w.D(4, 2), inst="G2")
    assert late.fund == 5000  # filing over: 10000 × 5000 / 10000


def test_a_filing_stays_while_a_claim_for_its_days_may_come(w: World) -> None:
    """Issue 10 §1: an unrelated ``addFiling`` used to delete filings that had ended, so a claim
    submitted late for a day inside one lost its ratio. A filing stays until its last day is
    stale (``to`` + max_claim_age_days 90 of the version in force then)."""
    op, p1 = w.operator, w.person("P1")
    w.at(w.D(3, 2))
    op.add_filing(p1, GZ, w.D(3, 2), w.D(3, 31))
    w.at(w.D(4, 20))
    op.add_filing(p1, GZ, w.D(5, 1), w.D(5, 10))  # unrelated; the March filing has ended
    assert w.admin.has_filing(p1, GZ, w.D(3, 20))
    late = w.claim("LATE", [("GA01", 1, 30000)], day=w.D(3, 20), today=w.D(4, 20), inst="G2")
    assert late.fund == 12000  # (30000 − 10000) × 6000: no cross-region cut
    w.at(w.D(6, 30))  # 03-31 + 90 = 06-29: from now on no claim can use it
    op.add_filing(p1, GZ, w.D(7, 1), w.D(7, 10))
    assert not w.admin.has_filing(p1, GZ, w.D(3, 20))
    assert [tuple(f[1:]) for f in w.admin.call("filingsOf", p1)] == [
        (to_day(w.D(5, 1)), to_day(w.D(5, 10))), (to_day(w.D(7, 1)), to_day(w.D(7, 10)))]


def test_treating_regions_catalogue_applies(w: World) -> None:
    r = w.claim("G1", [("XA01", 1, 1000)], day=w.D(3, 2), inst="G2")
    assert r.lines == (LineOutcome(0, LineNote.NOT_IN_CATALOGUE),)
    assert figures(r) == (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE, 1000, 0, 0, 0, 1000)


# ====================================================================== §1 claim checks


def test_duplicate(w: World) -> None:
    first = w.claim("INV", [("XA01", 1, 30000)], day=w.D(3, 2))
    again = w.claim("INV", [("XA01", 1, 500)], day=w.D(3, 3))
    rejected(again, Reason.DUPLICATE, 500)
    assert again.alerts == (AlertKind.DUPLICATE,) and again.claim_id == first.claim_id
    s = w.stored("INV")
    assert (s.status, s.billed, s.fund) == (ClaimStatus.APPROVED, 30000, 10000)  # untouched
    assert w.counters() == YearCounters(10000, 10000, 10000)
    approved(w.claim("INV", [("XA01", 1, 500)], day=w.D(3, 3), inst="H1"))  # another institution


def test_a_rejected_claim_is_stored_so_its_invoice_is_a_duplicate(w: World) -> None:
    rejected(w.claim("X", [("XA01", 1, 100)], day=w.D(3, 2), person="NOBODY"), Reason.NOT_ENROLLED, 100)
    assert w.stored("X").status is ClaimStatus.REJECTED
    rejected(w.claim("X", [("XA01", 1, 100)], day=w.D(3, 2)), Reason.DUPLICATE, 100)


@pytest.mark.parametrize("change", ["suspended", "revoked", "grade-E"])
def test_institution_inactive(w: World, change: str) -> None:
    h3 = w.accounts["H3"].address
    if change == "grade-E":
        w.regulator.set_institution_grade(h3, Grade.E)
    else:
        w.regulator.set_institution_status(
            h3, InstitutionStatus.SUSPENDED if change == "suspended" else InstitutionStatus.REVOKED)
    r = w.claim("I", [("XA01", 1, 100)], day=w.D(3, 2))
    rejected(r, Reason.INSTITUTION_INACTIVE, 100)
    assert r.alerts == ()
    assert w.stored("I").reason is Reason.INSTITUTION_INACTIVE


def test_not_enrolled(w: World) -> None:
    rejected(w.claim("N", [("XA01", 2, 50)], day=w.D(3, 2), person="PX"), Reason.NOT_ENROLLED, 100)


def test_patient_inactive(w: World) -> None:
    w.at(w.D(1, 2))
    w.operator.suspend_person(w.person("P1"))
    rejected(w.claim("S", [("XA01", 1, 100)], day=w.D(3, 2)), Reason.PATIENT_INACTIVE, 100)
    w.operator.terminate_person(w.person("P1"))
    rejected(w.claim("T", [("XA01", 1, 100)], day=w.D(3, 2)), Reason.PATIENT_INACTIVE, 100)


def test_future_service(w: World) -> None:
    rejected(w.claim("F", [("XA01", 1, 100)], day=w.D(3, 3), today=w.D(3, 2)), Reason.FUTURE_SERVICE, 100)
    # an inpatient claim whose discharge is after today
    r = w.claim("F2", [("XA01", 1, 100)], day=w.D(3, 2), today=w.D(3, 4), inst="H1", visit=IP,
                discharge=w.D(3, 5))
    rejected(r, Reason.FUTURE_SERVICE, 100)
    approved(w.claim("F3", [("XA01", 1, 100)], day=w.D(3, 4)))  # the same day is fine


def test_not_covered(w: World) -> None:
    w.enrol("P3", start=w.D(2, 1), end=w.D(6, 30))
    rejected(w.claim("B", [("XA01", 1, 100)], day=w.D(1, 31), person="P3"), Reason.NOT_COVERED, 100)
    approved(w.claim("C", [("XA01", 1, 100)], day=w.D(6, 30), person="P3"))
    rejected(w.claim("A", [("XA01", 1, 100)], day=w.D(7, 1), person="P3"), Reason.NOT_COVERED, 100)


def test_no_policy(w: World) -> None:
    w.enrol("P5", Scheme.RESIDENT)
    w.enrol("P6", start=w.D(12, 1, -1))  # covered before the first version takes effect
    r = w.claim("E", [("XA01", 1, 100)], day=w.D(12, 15, -1), today=w.D(1, 2), person="P6")
    rejected(r, Reason.NO_POLICY, 100)
    rejected(w.claim("R", [("XA01", 1, 100)], day=w.D(3, 2), person="P5"), Reason.NO_POLICY, 100)


def test_stale_claim(w: World) -> None:
    # 03-01 → 05-30 is 90 days: not stale; 05-31 is 91: stale
    approved(w.claim("OK", [("XA01", 1, 100)], day=w.D(3, 1), today=w.D(5, 30)))
    rejected(w.claim("OLD", [("XA01", 1, 100)], day=w.D(3, 1), today=w.D(5, 31)), Reason.STALE_CLAIM, 100)


def test_waiting_period(w: World) -> None:
    w.regulator.add_policy(make_policy(w.year, scheme=Scheme.RESIDENT, waiting_days=30))
    w.enrol("P2", Scheme.RESIDENT)
    # coverage_from 01-01 + 30 days = 01-31
    rejected(w.claim("W", [("XA01", 1, 100)], day=w.D(1, 30), person="P2"), Reason.WAITING_PERIOD, 100)
    approved(w.claim("W2", [("XA01", 1, 100)], day=w.D(1, 31), person="P2"))


def test_claim_checks_first_failure_wins(w: World) -> None:
    w.regulator.set_institution_grade(w.accounts["H1"].address, Grade.E)
    mar2 = w.D(3, 2)
    r = w.claim("1", [("XA01", 1, 1)], day=mar2, inst="H1", person="PX")
    assert r.reason is Reason.INSTITUTION_INACTIVE  # beats the unknown person
    r = w.claim("2", [("XA01", 1, 1)], day=w.D(9, 9), today=mar2, person="PX")
    assert r.reason is Reason.NOT_ENROLLED  # beats future service
    w.enrol("P3", Scheme.RESIDENT, start=w.D(6, 1), end=w.D(6, 30))
    r = w.claim("3", [("XA01", 1, 1)], day=w.D(3, 3), today=mar2, person="P3")
    assert r.reason is Reason.FUTURE_SERVICE  # beats not covered
    assert w.claim("4", [("XA01", 1, 1)], day=mar2, person="P3").reason is Reason.NOT_COVERED
    # a version starts no earlier than today (adjudication.md v1.1): from 03-02 on
    w.regulator.add_policy(make_policy(w.year, scheme=Scheme.RESIDENT, waiting_days=200, effective_from=mar2))
    w.enrol("P4", Scheme.RESIDENT)
    r = w.claim("5", [("XA01", 1, 1)], day=w.D(3, 3), today=w.D(6, 5), person="P4")
    assert r.reason is Reason.STALE_CLAIM  # 94 days old, and inside the 200-day wait
    assert w.counters("P4") == YearCounters()


# ====================================================================== §6 overclaim


def test_overclaim_rejects_counts_nothing_and_alerts(w: World) -> None:
    # E = 30100; fund = (30100 − 10000) × 5000 / 10000 = 10050
    r = w.claim("O", [("XA01", 1, 30000), ("XT01", 1, 100)], day=w.D(3, 2), claimed_fund=10051)
    assert (r.status, r.reason, r.flags, r.billed, r.alerts) == (
        ClaimStatus.REJECTED, Reason.OVERCLAIM, Flag.NONE, 30100, (AlertKind.OVERCLAIM,))
    assert r.lines == (LineOutcome(30000, LineNote.NONE), LineOutcome(100, LineNote.NONE))
    d = r.decision(w.input("O", [("XA01", 1, 30000), ("XT01", 1, 100)], day=w.D(3, 2)).lines)
    assert (d.eligible, d.deductible, d.fund, d.patient) == (0, 0, 0, 30100)
    assert w.counters() == YearCounters()
    assert w.visits(3) == 0
    # the XT01 interval did not start: the next claim's XT01 line is eligible
    ok = w.claim("O2", [("XA01", 1, 30000), ("XT01", 1, 100)], day=w.D(3, 2), claimed_fund=10050)
    assert (ok.status, ok.fund, ok.lines[1]) == (ClaimStatus.APPROVED, 10050, LineOutcome(100, LineNote.NONE))


# ====================================================================== §7 flags


def test_visit_limit_flag(w: World) -> None:
    for i in range(3):
        approved(w.claim(f"V{i}", [("XA01", 1, 100)], day=w.D(3, 2 + i)))
    r = w.claim("V3", [("XA01", 1, 100)], day=w.D(3, 9))
    assert (r.status, r.flags, r.alerts) == (ClaimStatus.FLAGGED, Flag.VISIT_LIMIT, (AlertKind.VISIT_LIMIT,))
    assert w.visits(3) == 4  # a flagged claim counts at once
    assert w.admin.institution(w.accounts["H3"].address).payable == 0  # not payable while flagged
    approved(w.claim("V4", [("XA01", 1, 100)], day=w.D(4, 1)))  # a new month


def test_review_threshold_flag(w: World) -> None:
    r = w.claim("T", [("XA01", 1, 200000)], day=w.D(3, 2), today=w.D(3, 3), inst="H1",
                visit=IP, discharge=w.D(3, 3))
    # (200000 − 20000) × 9000 / 10000 = 162000 > 100000
    assert (r.status, r.flags, r.fund, r.patient, r.alerts) == (
        ClaimStatus.FLAGGED, Flag.REVIEW_THRESHOLD, 162000, 38000, (AlertKind.REVIEW_THRESHOLD,))
    assert w.counters() == YearCounters(0, 162000, 0)
    assert w.admin.institution(w.accounts["H1"].address).payable == 0


def test_institution_grade_flags(w: World) -> None:
    h3 = w.accounts["H3"].address
    w.regulator.set_institution_grade(h3, Grade.C)
    # d = 10000; fund = 100000 × 5000 / 10000 = 50000 = floor(100000 / 2): not flagged
    r1 = w.claim("C1", [("XA01", 1, 110000)], day=w.D(3, 2))
    assert (r1.status, r1.fund) == (ClaimStatus.APPROVED, 50000)
    r2 = w.claim("C2", [("XA01", 1, 100002)], day=w.D(3, 3))  # fund 50001 > 50000
    assert (r2.status, r2.flags, r2.fund, r2.alerts) == (
        ClaimStatus.FLAGGED, Flag.INSTITUTION_GRADE, 50001, (AlertKind.INSTITUTION_GRADE,))
    w.regulator.set_institution_grade(h3, Grade.D)
    r3 = w.claim("D", [("XA01", 1, 100)], day=w.D(4, 1))  # grade D: every claim
    assert (r3.status, r3.flags, r3.fund) == (ClaimStatus.FLAGGED, Flag.INSTITUTION_GRADE, 50)


def test_flags_and_alerts_in_order(w: World) -> None:
    w.regulator.set_institution_grade(w.accounts["H3"].address, Grade.D)
    for i in range(3):
        w.claim(f"V{i}", [("XA01", 1, 100)], day=w.D(3, 2 + i))
    r = w.claim("ALL", [("XA01", 1, 250000)], day=w.D(3, 9))
    assert r.deductible == 9700  # 10000 − 3 × 100
    assert r.fund == 120150  # (250000 − 9700) × 5000 / 10000
    assert r.flags == Flag.VISIT_LIMIT | Flag.REVIEW_THRESHOLD | Flag.INSTITUTION_GRADE
    assert r.alerts == (AlertKind.VISIT_LIMIT, AlertKind.REVIEW_THRESHOLD, AlertKind.INSTITUTION_GRADE)


# ====================================================================== §8 counting


def test_interval_item_and_too_soon(w: World) -> None:
    approved(w.claim("T1", [("XT01", 1, 100)], day=w.D(3, 2)))
    r = w.claim("T2", [("XT01", 1, 100)], day=w.D(3, 8))  # 03-02 + 7 = 03-09
    assert r.lines == (LineOutcome(0, LineNote.TOO_SOON),)
    r = w.claim("T3", [("XT01", 1, 100), ("XT01", 1, 100)], day=w.D(3, 9))  # not restarted
    assert r.lines == (LineOutcome(100, LineNote.NONE), LineOutcome(0, LineNote.TOO_SOON))
    r = w.claim("T4", [("XT01", 1, 100)], day=w.D(3, 15))  # 03-09 + 7 = 03-16
    assert r.lines == (LineOutcome(0, LineNote.TOO_SOON),)


def test_rejected_claim_records_no_last_day(w: World) -> None:
    w.claim("X", [("XT01", 1, 100)], day=w.D(3, 2), claimed_fund=1)  # OVERCLAIM (fund 0)
    assert w.claim("Y", [("XT01", 1, 100)], day=w.D(3, 3)).lines == (LineOutcome(100, LineNote.NONE),)


def test_counters_belong_to_the_service_year(w: World) -> None:
    w.enrol("P7", end=w.D(12, 31, 1))
    w.claim("Y1", [("XA01", 1, 6000)], day=w.D(12, 30), person="P7")
    ip = w.claim("Y2", [("XA01", 1, 30000)], day=w.D(12, 31), today=w.D(1, 3, 1), person="P7",
                 inst="H1", visit=IP, discharge=w.D(1, 3, 1))
    assert ip.fund == 9000  # (30000 − 20000) × 9000 / 10000
    r = w.claim("Y3", [("XA01", 1, 6000)], day=w.D(1, 4, 1), person="P7")
    assert r.deductible == 6000  # a fresh annual deductible
    assert w.counters("P7") == YearCounters(6000, 9000, 0)
    nxt = w.admin.counters(w.person("P7"), w.year + 1)
    assert nxt.year() == YearCounters(6000, 0, 0) and nxt.visits[0] == 1


def test_op_and_annual_caps(w: World) -> None:
    w.regulator.add_policy(make_policy(w.year, effective_from=w.D(3, 1), op_annual_cap=15000,
                                       annual_cap=50000))
    assert w.claim("1", [("XA01", 1, 30000)], day=w.D(3, 2)).fund == 10000
    assert w.claim("2", [("XA01", 1, 30000)], day=w.D(3, 3)).fund == 5000  # 15000 − 10000
    r = w.claim("3", [("XA01", 1, 30000)], day=w.D(3, 4))
    assert (r.status, r.fund, r.patient) == (ClaimStatus.APPROVED, 0, 30000)
    ip = w.claim("4", [("XA01", 1, 100000)], day=w.D(3, 5), today=w.D(3, 6), inst="H1",
                 visit=IP, discharge=w.D(3, 6))
    assert ip.fund == 35000  # 72000, capped by what the annual cap leaves: 50000 − 15000
    assert w.counters() == YearCounters(10000, 50000, 15000)


def test_later_policy_version_applies_by_service_date(w: World) -> None:
    w.regulator.add_policy(make_policy(w.year, effective_from=w.D(7, 1), op_deductible=5000))
    assert w.claim("J", [("XA01", 1, 8000)], day=w.D(3, 2)).deductible == 8000
    r = w.claim("L", [("XA01", 1, 10000)], day=w.D(7, 1))
    assert (r.deductible, r.fund) == (0, 5000)  # 8000 used ≥ 5000


# ====================================================================== malformed claims

MAR2 = (3, 2)


@pytest.mark.parametrize(
    ("name", "inst", "fields"),
    [
        ("ClaimWithoutLines", "H3", {"lines": ()}),
        ("ClaimLineQuantityZero", "H3", {"lines": (ClaimLine("XA01", 1, 1), ClaimLine("XA01", 0, 1))}),
        ("ClaimAmountTooLarge", "H3", {"lines": (ClaimLine("XA01", 2, 2**35),)}),
        ("VisitTypeInvalid", "H3", {"visit": 7}),
        ("DischargeNotInpatient", "H3", {"discharge": "D"}),
        ("DischargeMissing", "H3", {"visit": IP}),
        ("DischargeBeforeAdmission", "H3", {"visit": IP, "discharge": "D-1"}),
        ("VisitTypeNotOffered", "D0", {"visit": IP, "discharge": "D"}),
    ],
)
def test_malformed_claims_revert_and_store_nothing(w: World, name: str, inst: str, fields: dict[str, Any]) -> None:
    day = w.D(*MAR2)
    if "discharge" in fields:
        fields = {**fields, "discharge": day if fields["discharge"] == "D" else day - dt.timedelta(days=1)}
    claim = replace(w.input("M", [("XA01", 1, 100)], day=day), **fields)
    w.at(day)
    lg = w.admin.acting_as(w.accounts[inst])
    err = reverts(name, lambda: lg.submit_claim(claim))
    assert bytes(err.error_args[0]) == claim_id_of(w.accounts[inst].address, "M")
    reverts("ClaimUnknown", lambda: w.stored("M", inst))
    reverts(name, lambda: lg.submit_claims([w.input("OK", [("XA01", 1, 100)], day=day), claim]))
    reverts("ClaimUnknown", lambda: w.stored("OK", inst))  # the whole batch reverted
    assert w.counters() == YearCounters()


def test_truncated_words_revert_and_store_nothing(w: World) -> None:
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    ok = w.input("OK", [("XA01", 1, 100)], day=w.D(3, 2)).as_words()
    cut = w.input("CUT", [("XA01", 1, 100), ("XB01", 1, 100)], day=w.D(3, 2)).as_words()[:-1]
    reverts("ClaimTruncated", lambda: h3.transact("submitClaims", ok + cut), len(ok))
    reverts("ClaimUnknown", lambda: w.stored("OK"))


def test_days_beyond_the_claim_word_revert_by_name(w: World) -> None:
    """A day number of 22 bits or more (after the year 13,000) cannot come from a date, so the
    codec never sends one; raw words reach the check, for the service and the discharge day."""
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    words = w.input("FAR", [("XA01", 1, 100)], day=w.D(3, 2)).as_words()
    meta = int.from_bytes(words[3], "big")
    cid = claim_id_of(w.accounts["H3"].address, "FAR")
    far = 1 << 22
    for shift in (8, 40):  # service day, discharge day
        bad = ((meta & ~(0xFFFFFFFF << shift)) | (far << shift)).to_bytes(32, "big")
        reverts("ClaimDateInvalid", lambda b=bad: h3.transact("submitClaims", [*words[:3], b, *words[4:]]), cid, far)
    reverts("ClaimTruncated", lambda: h3.transact("submitClaims", words[:3]), 0)
    reverts("ClaimUnknown", lambda: w.stored("FAR"))


def test_malformed_resubmission_is_refused_before_duplicate(w: World) -> None:
    w.claim("M", [("XA01", 1, 100)], day=w.D(3, 2))
    lg = w.admin.acting_as(w.accounts["H3"])
    reverts("ClaimWithoutLines", lambda: lg.submit_claim(w.input("M", [], day=w.D(3, 2))))


# ====================================================================== batches


def test_a_batch_decides_each_claim_on_its_own(w: World) -> None:
    w.at(w.D(3, 9))
    h3 = w.admin.acting_as(w.accounts["H3"])
    rs = h3.submit_claims([
        w.input("B1", [("XA01", 1, 30000)], day=w.D(3, 2)),  # d 10000, fund 10000
        w.input("B2", [("XA01", 1, 100)], day=w.D(3, 2), person="PX"),  # NOT_ENROLLED
        w.input("B3", [("XA01", 1, 1000)], day=w.D(3, 3), claimed_fund=501),  # OVERCLAIM (500)
        w.input("B1", [("XA01", 1, 5)], day=w.D(3, 3)),  # DUPLICATE of the first
        w.input("B4", [("XA01", 1, 2000)], day=w.D(3, 4)),  # 2nd visit: fund 1000
        w.input("B5", [("XT01", 1, 100), ("XT01", 1, 100)], day=w.D(3, 5)),  # 3rd visit
        w.input("B6", [("XT01", 1, 100)], day=w.D(3, 6)),  # 4th visit: flagged; too soon
    ])
    assert [(r.status, r.reason, r.flags) for r in rs] == [
        (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE),
        (ClaimStatus.REJECTED, Reason.NOT_ENROLLED, Flag.NONE),
        (ClaimStatus.REJECTED, Reason.OVERCLAIM, Flag.NONE),
        (ClaimStatus.REJECTED, Reason.DUPLICATE, Flag.NONE),
        (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE),
        (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE),
        (ClaimStatus.FLAGGED, Reason.NONE, Flag.VISIT_LIMIT),
    ]
    assert [r.alerts for r in rs] == [(), (), (AlertKind.OVERCLAIM,), (AlertKind.DUPLICATE,), (), (),
                                      (AlertKind.VISIT_LIMIT,)]
    assert [r.fund for r in rs] == [10000, 0, 500, 0, 1000, 50, 0]
    assert rs[3].billed == 5 and rs[3].claim_id == rs[0].claim_id
    assert rs[5].lines == (LineOutcome(100, LineNote.NONE), LineOutcome(0, LineNote.TOO_SOON))
    assert rs[6].lines == (LineOutcome(0, LineNote.TOO_SOON),)
    assert len({r.gas_used for r in rs}) == 1  # one transaction
    assert w.stored("B1").billed == 30000
    assert w.counters() == YearCounters(10000, 11050, 11050)
    assert w.visits(3) == 4
    inst = w.admin.institution(w.accounts["H3"].address)
    assert (inst.payable, inst.pending_claims) == (11050, 3)


def test_claims_with_more_than_six_lines(w: World) -> None:
    """Lines 7 onwards travel in a ClaimLines event: 13 lines = 6 + 6 + 1."""
    pattern = [("XA01", 1, 1000), ("XB01", 1, 1000), ("XC01", 1, 1000), ("ZZ99", 1, 1000),
               ("XP01", 1, 5000), ("XQ01", 3, 1000)]
    want = [LineOutcome(1000, LineNote.NONE), LineOutcome(900, LineNote.NONE),
            LineOutcome(0, LineNote.CATEGORY_C), LineOutcome(0, LineNote.NOT_IN_CATALOGUE),
            LineOutcome(3000, LineNote.PRICE_CAPPED), LineOutcome(2000, LineNote.QTY_CAPPED)]
    lines = [*pattern, *pattern, ("XT01", 1, 700)]
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    big, small, rejected_big = h3.submit_claims([
        w.input("BIG", lines, day=w.D(3, 2)),
        w.input("SMALL", [("XA01", 1, 100)], day=w.D(3, 2)),
        w.input("NOONE", lines, day=w.D(3, 2), person="PX"),
    ])
    assert big.lines == (*want, *want, LineOutcome(700, LineNote.NONE))
    # billed 2 × 12000 + 700; E = 2 × 6900 + 700 = 14500; d 10000; fund 4500 × 5000 / 10000
    assert (big.billed, big.eligible, big.deductible, big.fund) == (24700, 14500, 10000, 2250)
    assert small.lines == (LineOutcome(100, LineNote.NONE),) and small.fund == 50
    assert rejected_big.reason is Reason.NOT_ENROLLED and rejected_big.lines == ()


def test_an_empty_batch_is_refused(w: World) -> None:
    reverts("BatchSizeInvalid", lambda: w.admin.acting_as(w.accounts["H3"]).submit_claims([]))


# ====================================================================== the chain engine


def _claims_and_registry_only(s: Scenario) -> Scenario:
    """The scenario without the steps after the decision."""
    later = {"review", "appeal", "settle", "clear", "clawback", "freeze", "unfreeze", "contribution"}
    return s.model_copy(update={"timeline": [st for st in s.timeline if st.kind not in later]})


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def engine_rpc(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (a fresh embedded chain) or the URL of a fresh anvil set before world.json's start."""
    if request.param == "embedded":
        yield None
        return
    start = load_scenario(DATA / "world.json").start
    with AnvilNode(timestamp=noon_cst(start) - 86_400) as node:
        yield node.url


def test_world_json_claims_agree_with_the_model(engine_rpc: str | None) -> None:
    s = _claims_and_registry_only(load_scenario(DATA / "world.json"))
    on_chain = run_scenario(s, ChainEngine(engine_rpc))
    model = run_scenario(s, ModelEngine())
    assert json.dumps(on_chain["claims"]) == json.dumps(model["claims"])
    assert on_chain["alerts"] == model["alerts"]
    assert on_chain["steps"] == model["steps"]
    assert [c["status"] for c in on_chain["claims"].values()].count("REJECTED") == 4
    assert {k: v["payable"] for k, v in on_chain["institutions"].items()} == {
        k: v["payable"] for k, v in model["institutions"].items()
    }
    assert on_chain["gas"]["per_claim_mean"] > 0 and "gas" not in model


def test_world_json_full_run_on_chain(engine_rpc: str | None) -> None:
    """The whole world.json on chain — claims, every after-decision step, funds,
    institutions, alerts — gives exactly the hand-checked expected document."""
    doc = run_scenario(load_scenario(DATA / "world.json"), ChainEngine(engine_rpc))
    want = json.loads((DATA / "world.expected.json").read_text())
    assert doc.pop("gas")["total"] > 0
    assert doc == want


@pytest.mark.anvil
def test_engine_refuses_a_node_past_the_start() -> None:
    from yibao.errors import ChainError

    with AnvilNode(timestamp=noon_cst(dt.date(2026, 6, 1))) as node:
        e = ChainEngine(node.url)
        with pytest.raises(ChainError, match="past 12:00 CST of the scenario's set-up day 2026-06-01"):
            e.set_today(dt.date(2026, 6, 1))
        ChainEngine(node.url).set_today(dt.date(2026, 6, 2))  # the next day is fine


def test_engine_clock_runs_at_noon_plus_one_second_per_transaction() -> None:
    e = ChainEngine()
    day = dt.date(2026, 5, 1)
    e.set_today(day)
    chain: Chain = e.chain
    n = chain.block_number()
    assert chain.timestamp() == noon_cst(day) + n - 1  # every deployment tx that day
    e.add_region(CQ, "Chongqing", 1)
    assert chain.timestamp() == noon_cst(day) + chain.block_number() - 1
    e.set_today(day + dt.timedelta(days=1))
    e.add_region(GZ, "Guangzhou", 1)
    assert chain.timestamp() == noon_cst(day + dt.timedelta(days=1)) + 2  # region + 2 grants
    assert e.ledger.today() == day + dt.timedelta(days=1)
    with pytest.raises(InputError):
        e.set_today(day)


# ====================================================================== raw words
# submitClaims takes bytes32 words: anything a client could send. Every malformed word
# reverts by name and nothing is recorded (issue 10 §6).

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

from yibao.codec import META_UNUSED_MASK, WIRE_LINE_UNUSED_MASK  # noqa: E402

_META_BITS = [b for b in range(256) if META_UNUSED_MASK >> b & 1]
_LINE_BITS = [b for b in range(256) if WIRE_LINE_UNUSED_MASK >> b & 1]


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=hst.sampled_from(["meta", "line", "claimed", "invoice"]), data=hst.data())
def test_stray_bits_revert_by_name_and_record_nothing(w: World, where: str, data: hst.DataObject) -> None:
    if w.admin.chain.kind != "embedded":
        pytest.skip("the fuzzing runs on the embedded chain")
    chain = w.admin.chain
    snap = chain.snapshot()
    try:
        w.at(w.D(3, 2))
        h3 = w.admin.acting_as(w.accounts["H3"])
        n = data.draw(hst.integers(1, 4), label="lines")
        words = w.input("RAW", [("XA01", 1, 100)] * n, day=w.D(3, 2)).as_words()
        if where == "meta":
            bit = data.draw(hst.sampled_from(_META_BITS))
            words[3] = (int.from_bytes(words[3], "big") | 1 << bit).to_bytes(32, "big")
            name = "ClaimWordMalformed"
        elif where == "line":
            i = 4 + 2 * data.draw(hst.integers(0, n - 1)) + 1
            bit = data.draw(hst.sampled_from(_LINE_BITS))
            words[i] = (int.from_bytes(words[i], "big") | 1 << bit).to_bytes(32, "big")
            name = "ClaimWordMalformed"
        elif where == "claimed":  # a claimed fund without its flag
            amount = data.draw(hst.integers(1, 2**64 - 1))
            words[3] = (int.from_bytes(words[3], "big") | amount << 88).to_bytes(32, "big")
            name = "ClaimWordMalformed"
        else:  # a last byte that is neither 0 (raw) nor odd (marked hash)
            head = data.draw(hst.binary(min_size=31, max_size=31))
            words[0] = head + bytes([2 * data.draw(hst.integers(1, 127))])
            name = "InvoiceMalformed"
        good = w.input("GOOD", [("XA01", 1, 100)], day=w.D(3, 2)).as_words()
        reverts(name, lambda: h3.transact("submitClaims", good + words))
        reverts("ClaimUnknown", lambda: w.stored("GOOD"))  # the whole batch reverted
        assert w.counters() == YearCounters()
    finally:
        chain.revert(snap)


def test_a_claim_of_255_lines_and_a_batch_of_200_claims_are_accepted(w: World) -> None:
    w.at(w.D(3, 2))
    h3 = w.admin.acting_as(w.accounts["H3"])
    (big,) = h3.submit_claims([w.input("L255", [("XA01", 1, 1)] * 255, day=w.D(3, 2))])
    assert big.status is ClaimStatus.APPROVED and len(big.lines) == 255 and big.billed == 255
    batch = [w.input(f"B{i}", [("XA01", 1, 1)], day=w.D(3, 2)) for i in range(200)]
    assert len(h3.submit_claims(batch)) == 200
    words = [x for c in [*batch, w.input("B200", [("XA01", 1, 1)], day=w.D(3, 2))] for x in c.as_words()]
    reverts("BatchSizeInvalid", lambda: h3.transact("submitClaims", words, gas=50_000_000), 201, 200)


# ====================================================================== pre-checks (事前提醒)


def _same_decision(pre: ClaimResult, sub: ClaimResult) -> None:
    assert figures(pre) == figures(sub)
    assert (pre.claim_id, pre.institution, pre.member, pre.visit, pre.lines, pre.alerts) == (
        sub.claim_id, sub.institution, sub.member, sub.visit, sub.lines, sub.alerts)


def test_precheck_is_the_submission_decision_with_nothing_recorded(w: World) -> None:
    """screening.md: the decision the contract would give now, from a call that changes no
    state; the same claim submitted the same day gets the same decision."""
    h3 = w.admin.acting_as(w.accounts["H3"])
    claims = [w.input("PRE1", [("XA01", 2, 12550), ("XP01", 2, 5000), ("ZZ99", 1, 700)], day=w.D(3, 2)),
              w.input("PRE2", [("XA01", 40, 12550)], day=w.D(3, 2))]  # above the review threshold
    w.at(w.D(3, 2))
    chain = w.admin.chain
    head, counters = chain.block_number(), w.counters()
    pre = h3.precheck_claims(claims)
    assert chain.block_number() == head and w.counters() == counters
    for invoice in ("PRE1", "PRE2"):
        with pytest.raises(ContractError, match="ClaimUnknown"):
            w.stored(invoice)
    assert pre[0].status is ClaimStatus.APPROVED and pre[1].status is ClaimStatus.FLAGGED
    assert pre[1].alerts == (AlertKind.REVIEW_THRESHOLD,) and pre[0].tx_hash == ""
    # a read-only client pre-checks for a named institution
    assert figures(w.admin.precheck_claims(claims[:1], w.accounts["H3"].address)[0]) == figures(pre[0])
    sub = h3.submit_claims(claims)
    for p, s in zip(pre, sub, strict=True):
        _same_decision(p, s)
    again = h3.precheck_claims(claims[:1])[0]  # now a duplicate
    assert (again.status, again.reason, again.alerts) == (
        ClaimStatus.REJECTED, Reason.DUPLICATE, (AlertKind.DUPLICATE,))


def test_precheck_refuses_a_malformed_claim_by_name(w: World) -> None:
    h3 = w.admin.acting_as(w.accounts["H3"])
    w.at(w.D(3, 2))
    bad = w.input("PRE3", [("XA01", 1, 100)], day=w.D(3, 2), visit=IP)  # inpatient without discharge
    with pytest.raises(ContractError) as exc:
        h3.precheck_claims([bad])
    assert exc.value.name == "DischargeMissing"
    read_only = Ledger(w.admin.chain, w.admin.manifest)
    with pytest.raises(InputError, match="pre-check"):
        read_only.precheck_claims([bad])
