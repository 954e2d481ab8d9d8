"""The demo's year, played through the contracts by its parties.

The world (:mod:`yibao.demo.world`) is synthetic and seeded: two regions (重庆 500000, 广州
440100) with employee and resident policies (广州 changes both on 2026-07-01), a catalogue of
about 200 items per region, eight institutions, insured people and a year of claims with
planted misbehaviour (an overclaiming hospital, people over the monthly visit limit, re-sent
invoices, a private hospital whose claims surge Aug–Oct and turn out to be fake, care in the
other region without a filing, a dead person's card used at a pharmacy).

The year is played day by day on the chain clock (12:00 CST of every day something happens):
contributions (employees monthly, residents' next-year premium Sep–Dec), weekly batched claim
uploads per institution, reviews of flagged claims the next day by a fixed rule, appeals by
the institutions and their decision by the other reviewer, monthly settlement of every
institution on the 10th, quarterly cross-region clearing, a freeze, two clawback rounds.

:class:`Player` keeps what the receipts' events say happened (:class:`Rec` per stored claim);
the generator's own labels decide only what the parties *do* (which claims the auditors claw
back), never what is reported.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from yibao.chain import Chain, dev_account
from yibao.chain.backend import TxRequest
from yibao.client.base import iter_chunks
from yibao.client.settlement import CONTRIBUTION_BATCH
from yibao.client import ClaimInput, ClaimResult, Enrolment, Ledger, TxResult
from yibao.codec import decode_reason
from yibao.demo.world import INSTITUTIONS, SURGE, InstSpec, PlannedClaim, World, institution_key
from yibao.demo.world_rules import (
    appeal_decision_rule, appeals_rule, review_rule,
    CQ, EMPLOYEE_RATE_BPS, END, GZ, JAN1, LAST_UPLOAD, OPENING_PER_PERSON, REGIONS, RESIDENT_PREMIUM,
    SETUP_DAY, YEAR
)
from yibao.evidence import SIMULATION_KEY, EvidenceKey
from yibao.errors import ChainError, ContractError
from yibao.model.types import ClaimStatus, Reason, Scheme, VisitType
from yibao.units import from_day, noon_cst

#: Claims per submission transaction at most, and lines per transaction at most.
BATCH_CLAIMS = 80
BATCH_LINES = 1200
SETTLE_DAY = 10
SETTLE_DAYS = {dt.date(YEAR, m, SETTLE_DAY) for m in range(2, 13)} | {dt.date(YEAR + 1, 1, SETTLE_DAY)}
CLEARING_DAYS = [dt.date(YEAR, 4, 15), dt.date(YEAR, 7, 15), dt.date(YEAR, 10, 15), END]
FREEZE_DAY, CLAWBACK_DAYS, UNFREEZE_DAY = (
    dt.date(YEAR, 11, 12),
    [dt.date(YEAR, 11, 20), dt.date(YEAR, 12, 15)],
    dt.date(YEAR, 12, 1),
)
REVIEW_LAG, APPEAL_LAG, APPEAL_DECISION_LAG = 1, 2, 3

ProgressFn = Callable[[str, int], None]
#: A transaction planned for the day and what follows its result into the records.
Pending = tuple[TxRequest, Callable[[TxResult], None]]
UPLOAD_WEEKDAY = {s.key: i % 7 for i, s in enumerate(INSTITUTIONS)}  # each institution's upload day


Row = dict[str, Any]


def new_rows(n: int) -> list[list[Row]]:
    """``n`` empty lists of report rows."""
    return [[] for _ in range(n)]


def ints(ev: Mapping[str, Any], *names: str) -> dict[str, int]:
    """The named fields of an event as integers, in that order."""
    return {n: int(ev[n]) for n in names}


# ------------------------------------------------------------------------------------ records


@dataclass
class Rec:
    """A stored claim as the chain's events describe it."""

    planned: PlannedClaim
    res: ClaimResult
    submitted: dt.date
    status: ClaimStatus
    reason: Reason
    fund: int
    inst: str
    home: int
    treating: int
    filed: bool
    reviews: list[str] = field(default_factory=list)
    appealed: bool = False
    settled_on: dt.date | None = None
    clawed_back: int = 0


@dataclass
class Agenda:
    """What is due on which day of the year, filled as the year goes on."""

    contributions: dict[dt.date, list[tuple[bytes, int, int]]]
    terminations: dict[dt.date, list[tuple[bytes, int]]]
    pending: dict[str, list[PlannedClaim]] = field(default_factory=lambda: defaultdict(list))
    reviews: dict[dt.date, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    appeals: dict[dt.date, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[dt.date, list[bytes]] = field(default_factory=lambda: defaultdict(list))

    def busy(self, day: dt.date, uploads: list[str]) -> bool:
        """Whether anything is to be sent on ``day``."""
        return bool(
            uploads
            or self.reviews.get(day)
            or self.appeals.get(day)
            or self.decisions.get(day)
            or self.contributions.get(day)
            or self.terminations.get(day)
            or day in SETTLE_DAYS
            or day in CLEARING_DAYS
            or day in CLAWBACK_DAYS
            or day in (FREEZE_DAY, UNFREEZE_DAY)
        )


@dataclass
class Player:
    """Sets the ledger up, plays the year and keeps the events' account of it."""

    chain: Chain
    world: World
    progress: ProgressFn
    gas: Counter[str] = field(default_factory=Counter)
    txs: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.admin = dev_account(0)
        self.regulator = {CQ: dev_account(1), GZ: dev_account(2)}
        self.operator = {CQ: dev_account(3), GZ: dev_account(4)}
        self.reviewers = [dev_account(5), dev_account(6)]
        self.first_reviewer = {CQ: 0, GZ: 1}
        self.inst_acct: dict[str, LocalAccount] = {}
        self.acct_inst: dict[str, str] = {}
        self.inst_region: dict[str, int] = {}
        self.member_pid: dict[int, bytes] = {}
        self.pid_home: dict[bytes, int] = {}
        self.pid_scheme: dict[bytes, Scheme] = {}
        self.filings: dict[bytes, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
        self.items: dict[int, list[dict[str, Any]]] = {CQ: [], GZ: []}
        self.recs: dict[bytes, Rec] = {}
        self.dups: list[tuple[PlannedClaim, ClaimResult, dt.date]] = []
        self.unsettled: dict[str, list[bytes]] = defaultdict(list)
        # the rows of the report by kind, in the order they happened (snapshots: fundOf() reads)
        self.settlements, self.settle_skips, self.owed_events, self.clearings = new_rows(4)
        self.clear_failures, self.clawbacks, self.contributions, self.reviews = new_rows(4)
        self.appeals, self.freezes, self.terminations, self.snapshots = new_rows(4)
        self.batches: list[int] = []
        self.frozen: dict[str, bool] = {}
        self.spent: defaultdict[str, float] = defaultdict(float)  # wall-clock seconds per kind of work in the year
        self.today = SETUP_DAY
        # the demo's evidence and payment orders are made up: hashed under the rehearsal key
        self.key = EvidenceKey(SIMULATION_KEY)

    # ---------------------------------------------------------------- plumbing
    def as_(self, acct: LocalAccount) -> Ledger:
        return self.ledger.acting_as(acct)

    def timed(self, kind: str, fn: Callable[..., Any], *args: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.spent[kind] += time.perf_counter() - t

    def count(self, kind: str, gas_used: int) -> None:
        self.gas[kind] += gas_used
        self.txs[kind] += 1

    def tx(self, kind: str, result: TxResult) -> TxResult:
        self.count(kind, result.gas_used)
        return result

    def dated(self, **fields: Any) -> dict[str, Any]:
        """A record of today: the date first, then ``fields``."""
        return {"date": self.today.isoformat(), **fields}

    def clock(self, day: dt.date) -> None:
        if day != self.today or not self.snapshots:
            self.chain.set_clock(noon_cst(day))
        self.today = day

    # ---------------------------------------------------------------- setup
    def setup(self) -> None:
        self.clock(SETUP_DAY)
        self.ledger = Ledger.deploy(self.chain, self.admin)
        self.setup_regions()
        self.progress("regions and roles", 1)
        self.setup_rules()
        self.progress("policies and catalogues", 1)
        for i, spec in enumerate(INSTITUTIONS):
            self.add_institution(i, spec)
        self.progress("institutions", 1)
        self.enrol()
        self.progress("enrolment and filings", 1)
        self.snapshot()

    def setup_regions(self) -> None:
        led = self.ledger
        people_in = Counter(p.home for p in self.world.people)
        for code, name in REGIONS.items():
            self.tx("registry", led.add_region(code, name, people_in[code] * OPENING_PER_PERSON))
            self.tx("registry", led.grant_role(led.regulator_role(code), self.regulator[code].address))
            reg = self.as_(self.regulator[code])
            self.tx("registry", reg.grant_role(led.operator_role(code), self.operator[code].address))
            for rev in self.reviewers:
                self.tx("registry", reg.grant_role(led.reviewer_role(code), rev.address))

    def setup_rules(self) -> None:
        w = self.world
        for pol in w.policies:
            self.tx("registry", self.as_(self.regulator[pol.region]).add_policy(pol))
        for code in REGIONS:
            for r in self.as_(self.regulator[code]).set_items(code, w.items[code]):
                self.tx("registry", r)
                self.items[code] += r.named("CatalogueItemSet")

    def add_institution(self, i: int, spec: InstSpec) -> None:
        acct: LocalAccount = Account.from_key(institution_key(self.world.seed, i))
        self.chain.fund(acct.address)
        reg = self.as_(self.regulator[spec.region])
        r = self.tx("registry", reg.add_institution(acct.address, spec.region, spec.level, spec.grade))
        for ev in r.named("InstitutionAdded"):
            self.inst_region[spec.key] = int(ev["region"])
        self.inst_acct[spec.key] = acct
        self.acct_inst[acct.address] = spec.key

    def enrol(self) -> None:
        w = self.world
        for code in REGIONS:
            batch = [
                Enrolment(p.pid, p.home, p.scheme, p.coverage_from, p.coverage_to) for p in w.people if p.home == code
            ]
            for r in self.as_(self.operator[code]).enrol_many(batch):
                self.tx("enrolment", r)
                for ev in r.named("PersonEnrolled"):
                    self.member_pid[int(ev["index"])] = bytes(ev["person"])
                    self.pid_home[bytes(ev["person"])] = int(ev["region"])
                    self.pid_scheme[bytes(ev["person"])] = Scheme(int(ev["scheme"]))
        for p in w.people:
            for region, a, b in p.filings:
                r = self.tx("filings", self.as_(self.operator[p.home]).add_filing(p.pid, region, a, b))
                for ev in r.named("FilingAdded"):
                    self.filings[bytes(ev["person"])].append(
                        (int(ev["region"]), from_day(ev["from"]), from_day(ev["to"]))
                    )

    # ---------------------------------------------------------------- the year's actions
    def contribute(self, due: list[tuple[bytes, int, int]]) -> list[Pending]:
        """The day's contributions: a ``contributeMany`` batch per home region (in order of
        first mention) of at most :data:`CONTRIBUTION_BATCH`."""
        by_home: dict[int, list[tuple[bytes, int]]] = defaultdict(list)
        for person, home, amount in due:
            by_home[home].append((person, amount))

        def then(r: TxResult) -> None:
            for ev in self.tx("contributions", r).named("ContributionRecorded"):
                self.contributions.append(self.dated(**ints(ev, "region", "amount")))

        return [(self.as_(self.operator[home]).contributions_request(chunk), then)
                for home, items in by_home.items() for chunk in iter_chunks(items, CONTRIBUTION_BATCH)]

    def send_day(self, pending: list[Pending]) -> None:
        """Send the day's planned transactions pipelined, in order (mined together on anvil),
        and follow each one's result into the records in the same order."""
        if not pending:
            return
        for (_, then), r in zip(pending, self.ledger.transact_all([q for q, _ in pending]), strict=True):
            then(r)

    def terminate(self, person: bytes, home: int) -> None:
        r = self.tx("registry", self.as_(self.operator[home]).terminate_person(person, 1))
        for ev in r.named("PersonStatusChanged"):
            self.terminations.append(self.dated(**ints(ev, "to")))

    def upload(self, uploads: list[tuple[str, list[PlannedClaim]]], due: Agenda) -> list[Pending]:
        """Each institution's pending claims of the day in batches; the ids a batch leaves
        FLAGGED are due for review :data:`REVIEW_LAG` days later."""
        review_day = self.today + dt.timedelta(days=REVIEW_LAG)
        out: list[Pending] = []
        for inst, claims in uploads:
            claims = sorted(claims, key=lambda c: (c.service, c.invoice))
            client = self.as_(self.inst_acct[inst])
            i = 0
            while i < len(claims):
                batch: list[PlannedClaim] = []
                lines = 0
                while i < len(claims) and len(batch) < BATCH_CLAIMS and lines + len(claims[i].lines) <= BATCH_LINES:
                    batch.append(claims[i])
                    lines += len(claims[i].lines)
                    i += 1
                inputs = [ClaimInput(c.invoice, c.person.pid, c.visit, c.service, c.lines, c.discharge,
                                     c.claimed_fund, c.documents) for c in batch]

                def then(r: TxResult, inst: str = inst, batch: list[PlannedClaim] = batch,
                         inputs: list[ClaimInput] = inputs, client: Ledger = client) -> None:
                    due.reviews[review_day] += self.submitted(inst, batch, client.claim_results(r, inputs))
                    self.progress("claims", len(batch))

                out.append((client.claims_request(inputs), then))
        return out

    def submitted(self, inst: str, batch: list[PlannedClaim], results: list[ClaimResult]) -> list[bytes]:
        """Follow one submission transaction into the records; returns the ids it left FLAGGED."""
        self.count("claims", results[0].gas_used)
        self.batches.append(len(batch))
        flagged: list[bytes] = []
        for c, res in zip(batch, results, strict=True):
            if res.reason == Reason.DUPLICATE:
                self.dups.append((c, res, self.today))
                continue
            treating = self.inst_region[inst]
            pid = self.member_pid.get(res.member, b"")
            home = self.pid_home.get(pid, 0)
            filed = any(r == treating and a <= c.service <= b for r, a, b in self.filings.get(pid, []))
            fund = res.fund if res.status in (ClaimStatus.APPROVED, ClaimStatus.FLAGGED) else 0
            self.recs[res.claim_id] = Rec(c, res, self.today, res.status, res.reason, fund, inst, home, treating, filed)
            if res.status == ClaimStatus.APPROVED:
                self.unsettled[inst].append(res.claim_id)
            elif res.status == ClaimStatus.FLAGGED:
                flagged.append(res.claim_id)
        return flagged

    def review(self, cids: list[bytes], due: Agenda) -> list[Pending]:
        """The day's first reviews; a rejection the institution will appeal (:func:`appeals_rule`)
        is due for appeal :data:`APPEAL_LAG` days later."""
        appeal_day = self.today + dt.timedelta(days=APPEAL_LAG)
        out: list[Pending] = []
        for cid in cids:
            rec = self.recs[cid]
            approve, code = review_rule(rec.res)
            reviewer = self.reviewers[self.first_reviewer[rec.treating]]

            def then(r: TxResult, rec: Rec = rec, code: str = code) -> None:
                self.reviewed(self.tx("reviews", r), rec, code, appeal=False)
                if rec.status == ClaimStatus.REJECTED and appeals_rule(rec.res):
                    due.appeals[appeal_day].append(rec.res.claim_id)

            out.append((self.as_(reviewer).review_request(cid, approve, code, self.key.digest(f"review:{cid.hex()}")),
                        then))
        return out

    def reviewed(self, r: TxResult, rec: Rec, code: str, appeal: bool) -> None:
        """Follow a review's ClaimReviewed event into the claim's record."""
        for ev in r.named("ClaimReviewed"):
            ok = bool(ev["approved"])
            (self.appeals if appeal else self.reviews).append(
                self.dated(
                    claim="0x" + bytes(ev["claimId"]).hex(),
                    institution=rec.inst,
                    approved=ok,
                    appeal=bool(ev["appeal"]),
                    rule=code,
                    fund=int(ev["fund"]),
                )
            )
            rec.reviews.append(code)
            if ok:
                rec.status, rec.reason, rec.fund = ClaimStatus.APPROVED, Reason.NONE, int(ev["fund"])
                self.unsettled[rec.inst].append(rec.res.claim_id)
            else:
                rec.status = ClaimStatus.REJECTED
                rec.reason = Reason.APPEAL_REJECTED if appeal else Reason.REVIEW_REJECTED
                rec.fund = 0

    def appeal(self, cids: list[bytes], due: Agenda) -> list[Pending]:
        """The institutions' appeals of the day; each is decided :data:`APPEAL_DECISION_LAG` days later."""
        due.decisions[self.today + dt.timedelta(days=APPEAL_DECISION_LAG)] += cids
        out: list[Pending] = []
        for cid in cids:
            rec = self.recs[cid]

            def then(r: TxResult, rec: Rec = rec) -> None:
                if self.tx("appeals", r).named("ClaimAppealed"):
                    rec.status, rec.appealed = ClaimStatus.APPEALED, True

            out.append((self.as_(self.inst_acct[rec.inst]).request("appeal", cid), then))
        return out

    def decide_appeal(self, cids: list[bytes]) -> list[Pending]:
        """The second reviewer's decisions on the appeals due today."""
        out: list[Pending] = []
        for cid in cids:
            rec = self.recs[cid]
            approve, code = appeal_decision_rule(rec.res)
            reviewer = self.reviewers[1 - self.first_reviewer[rec.treating]]

            def then(r: TxResult, rec: Rec = rec, code: str = code) -> None:
                self.reviewed(self.tx("appeals", r), rec, code, appeal=True)

            out.append((self.as_(reviewer).review_request(cid, approve, code, self.key.digest(f"appeal:{cid.hex()}")),
                        then))
        return out

    def settle_all(self) -> None:
        """Settle every institution with approved claims that is not frozen, pipelined in
        institution order; one whose region's fund cannot pay is skipped (nothing changed)."""
        due: list[tuple[InstSpec, int]] = []
        for spec in INSTITUTIONS:
            # what the events say is payable (the settlement itself confirms it: Settled.claims)
            payable = sum(self.recs[cid].fund for cid in self.unsettled.get(spec.key, []))
            if self.frozen.get(spec.key):
                self.settle_skips.append(self.dated(institution=spec.key, why="frozen", payable=payable))
            elif payable:
                due.append((spec, payable))
        reqs = [self.as_(self.regulator[spec.region]).request(
            "settle", self.inst_acct[spec.key].address, self.key.digest(f"PAY-{spec.key}-{self.today:%Y%m%d}"))
            for spec, _ in due]
        for (spec, payable), r in zip(due, self.ledger.transact_many(reqs), strict=True):
            if isinstance(r, ContractError):  # FundInsufficient: the fund cannot pay; nothing changed
                self.settle_skips.append(self.dated(institution=spec.key, why=r.name, payable=payable))
            elif isinstance(r, ChainError):
                raise r
            else:
                self.settled(spec, payable, self.tx("settlements", r))

    def settled(self, spec: InstSpec, payable: int, r: TxResult) -> None:
        """Follow a settlement's events into the records."""
        for ev in r.named("Settled"):
            ids = self.unsettled.pop(spec.key, [])
            if int(ev["claims"]) != len(ids) or int(ev["payable_"]) != payable:
                raise ChainError(
                    f"settlement of {spec.key} covered {ev['claims']} claims, the events show {len(ids)} approved"
                )
            for cid in ids:
                self.recs[cid].status = ClaimStatus.SETTLED
                self.recs[cid].settled_on = self.today
            self.settlements.append(
                self.dated(
                    institution=spec.key,
                    region=int(ev["region"]),
                    payable=int(ev["payable_"]),
                    **ints(ev, "netted", "cash", "claims"),
                    from_day=from_day(ev["fromDay"]).isoformat(),
                    to_day=from_day(ev["toDay"]).isoformat(),
                )
            )
        for ev in r.named("CrossRegionOwed"):
            self.owed_events.append(self.dated(**ints(ev, "home", "treating", "amount", "owed")))

    def clear_all(self) -> None:
        for home, treating in ((CQ, GZ), (GZ, CQ)):
            owed = self.ledger.owed(home, treating)
            if owed == 0:
                continue
            try:
                r = self.tx("clearing", self.as_(self.regulator[home]).clear(home, treating))
            except ContractError as exc:
                self.clear_failures.append(self.dated(**{"from": home, "to": treating}, owed=owed, why=exc.name))
                continue
            for ev in r.named("Cleared"):
                self.clearings.append(self.dated(**ints(ev, "from", "to", "amount"), still_owed=int(ev["stillOwed"])))

    def set_frozen(self, inst: str, frozen: bool) -> None:
        spec = next(s for s in INSTITUTIONS if s.key == inst)
        reg = self.as_(self.regulator[spec.region])
        r = self.tx("supervision", reg.set_frozen(self.inst_acct[inst].address, frozen))
        for ev in r.named("InstitutionFreezeChanged"):
            self.freezes.append(self.dated(institution=inst, frozen=bool(ev["frozen"])))
            self.frozen[inst] = bool(ev["frozen"])

    def clawback_round(self) -> None:
        """The audit (飞行检查) found the surge institution's fake claims: claw back those paid."""
        spec = next(s for s in INSTITUTIONS if s.key == SURGE)
        reg = self.as_(self.regulator[spec.region])
        plan: list[tuple[bytes, Rec, str]] = []
        for cid, rec in self.recs.items():
            if rec.planned.tag != "fraud" or rec.status != ClaimStatus.SETTLED:
                continue
            why = "FAKE_ADMISSION" if rec.planned.visit == VisitType.INPATIENT else "FAKE_VISIT"
            plan.append((cid, rec, why))
        reqs = [reg.clawback_request(cid, why, self.key.digest(f"audit {self.today:%Y-%m} {rec.planned.invoice}"))
                for cid, rec, why in plan]
        for (cid, rec, _), r in zip(plan, self.ledger.transact_all(reqs), strict=True):
            for ev in self.tx("supervision", r).named("ClaimClawedBack"):
                rec.status, rec.clawed_back = ClaimStatus.CLAWED_BACK, int(ev["amount"])
                self.clawbacks.append(
                    self.dated(
                        claim="0x" + cid.hex(),
                        institution=self.acct_inst.get(ev["institution"], rec.inst),
                        amount=int(ev["amount"]),
                        reason=decode_reason(ev["reason"]),
                    )
                )

    def snapshot(self) -> None:
        for code in REGIONS:
            self.snapshots.append(self.dated(region=code, **self.ledger.fund(code)))

    # ---------------------------------------------------------------- the year
    def agenda(self) -> Agenda:
        """The year's contributions and the registration of deaths, by day."""
        contributions: dict[dt.date, list[tuple[bytes, int, int]]] = defaultdict(list)
        rng = random.Random(self.world.seed * 7919 + 1)  # payment days of residents' premiums
        for p in self.world.people:
            if p.working:
                for m in range(1, 13):
                    day = dt.date(YEAR, m, 15)
                    if p.alive(day):
                        contributions[day].append((p.pid, p.home, p.wage * EMPLOYEE_RATE_BPS[p.home] // 10000))
            elif p.scheme == Scheme.RESIDENT and p.death is None:
                day = dt.date(YEAR, 9, 1) + dt.timedelta(days=rng.randrange(122))
                contributions[day].append((p.pid, p.home, RESIDENT_PREMIUM[p.home]))
        terminations: dict[dt.date, list[tuple[bytes, int]]] = defaultdict(list)
        for p in self.world.people:
            if p.death is not None:
                terminations[p.death + dt.timedelta(days=3)].append((p.pid, p.home))
        return Agenda(contributions, terminations)

    def play(self) -> None:
        by_ready: dict[dt.date, list[PlannedClaim]] = defaultdict(list)
        for c in self.world.claims:
            by_ready[c.ready].append(c)
        due = self.agenda()
        day = JAN1
        while day <= END:
            for c in by_ready.pop(day, []):
                due.pending[c.inst].append(c)
            self.play_day(day, due)
            self.progress(f"day {day.isoformat()}", 0)
            day += dt.timedelta(days=1)
        left = sum(len(v) for v in due.pending.values()) + sum(len(v) for v in due.reviews.values())
        if left or due.appeals or due.decisions:
            raise ChainError(f"the year ended with {left} claims not uploaded or reviewed")

    def play_day(self, day: dt.date, due: Agenda) -> None:
        pending_claims = due.pending
        uploads = [k for k in pending_claims
                   if pending_claims[k] and (day.weekday() == UPLOAD_WEEKDAY[k] or day >= LAST_UPLOAD)]
        snap = day.weekday() == 6 or day.day in (1, 15) or day in SETTLE_DAYS or day in CLEARING_DAYS or day == END
        if due.busy(day, uploads) or snap:
            self.timed("clock", self.clock, day)
        for pid, home in due.terminations.pop(day, []):
            self.timed("supervision", self.terminate, pid, home)
        pending: list[Pending] = []  # the day's transactions that read nothing mined today: sent together
        if day in due.contributions:
            pending += self.timed("contributions", self.contribute, due.contributions.pop(day))
        if uploads:
            pending += self.timed("claims", self.upload, [(inst, pending_claims.pop(inst)) for inst in uploads], due)
        if due.reviews.get(day):
            pending += self.timed("reviews", self.review, due.reviews.pop(day), due)
        if due.appeals.get(day):
            pending += self.timed("appeals", self.appeal, due.appeals.pop(day), due)
        if due.decisions.get(day):
            pending += self.timed("appeals", self.decide_appeal, due.decisions.pop(day))
        self.timed("day sends", self.send_day, pending)
        if day in SETTLE_DAYS:
            self.timed("settlements", self.settle_all)
        if day in CLEARING_DAYS:
            self.timed("clearing", self.clear_all)
        if day == FREEZE_DAY:
            self.timed("supervision", self.set_frozen, SURGE, True)
        if day in CLAWBACK_DAYS:
            self.timed("supervision", self.clawback_round)
        if day == UNFREEZE_DAY:
            self.timed("supervision", self.set_frozen, SURGE, False)
        if snap:
            self.timed("fund reads", self.snapshot)


__all__ = [
    "APPEAL_DECISION_LAG",
    "APPEAL_LAG",
    "BATCH_CLAIMS",
    "BATCH_LINES",
    "CLAWBACK_DAYS",
    "CLEARING_DAYS",
    "FREEZE_DAY",
    "REVIEW_LAG",
    "SETTLE_DAY",
    "SETTLE_DAYS",
    "UNFREEZE_DAY",
    "UPLOAD_WEEKDAY",
    "Agenda",
    "Pending",
    "Player",
    "ProgressFn",
    "Rec",
    "Row",
    "ints",
    "new_rows",
]
