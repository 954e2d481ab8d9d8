"""`yibao demo`: a realistic year in two regions, played through the contracts, and a report.

The world (:mod:`yibao.demo.world`) is synthetic and seeded: two regions (重庆 500000, 广州
440100) with employee and resident policies (广州 changes both on 2026-07-01), a catalogue of
about 200 items per region, eight institutions, ``people`` insured people and about ``claims``
claims over 2026 with planted misbehaviour (an overclaiming hospital, people over the monthly
visit limit, re-sent invoices, a private hospital whose claims surge Aug–Oct and turn out to be
fake, care in the other region without a filing, a dead person's card used at a pharmacy).

The year is played day by day on the chain clock (12:00 CST of every day something happens):
contributions (employees monthly, residents' next-year premium Sep–Dec), weekly batched claim
uploads per institution, reviews of flagged claims the next day by a fixed rule, appeals by
the institutions and their decision by the other reviewer, monthly settlement of every
institution on the 10th, quarterly cross-region clearing, a freeze, two clawback rounds.

Every figure of the report comes from the chain: events of the receipts (ClaimDecided, Alert,
ClaimReviewed, ClaimAppealed, Settled, CrossRegionOwed, Cleared, ClaimClawedBack,
ContributionRecorded, PersonEnrolled, FilingAdded, InstitutionAdded, CatalogueItemSet) and
views (fundOf, institutionInfo, owedBetween, policyAt, claimInfo). The generator's own labels
decide only what the parties *do* (which claims the auditors claw back), never what is reported.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yibao.chain.backend import Chain, dev_account
from yibao.client import AlertKind, ClaimInput, ClaimResult, Enrolment, Ledger, TxResult, code_text
from yibao.units import from_day, noon_cst
from yibao.demo.world import (
    CQ,
    END,
    GZ,
    INSTITUTIONS,
    JAN1,
    LAST_UPLOAD,
    OPENING_PER_PERSON,
    REGIONS,
    RESIDENT_PREMIUM,
    EMPLOYEE_RATE_BPS,
    SETUP_DAY,
    SURGE,
    YEAR,
    PlannedClaim,
    World,
    build_world,
    institution_key,
)
from yibao.errors import ChainError, ContractError
from yibao.model.types import ClaimStatus, Flag, LineNote, Reason, Scheme, VisitType, flag_names, note_names

#: Claims per submission transaction at most, and lines per transaction at most.
BATCH_CLAIMS = 80
BATCH_LINES = 1200
SETTLE_DAY = 10
CLEARING_DAYS = [dt.date(YEAR, 4, 15), dt.date(YEAR, 7, 15), dt.date(YEAR, 10, 15), END]
FREEZE_DAY, CLAWBACK_DAYS, UNFREEZE_DAY = (
    dt.date(YEAR, 11, 12),
    [dt.date(YEAR, 11, 20), dt.date(YEAR, 12, 15)],
    dt.date(YEAR, 12, 1),
)
REVIEW_LAG, APPEAL_LAG, APPEAL_DECISION_LAG = 1, 2, 3
STATUSES = ["SETTLED", "APPROVED", "FLAGGED", "APPEALED", "REJECTED", "CLAWED_BACK"]


# ------------------------------------------------------------------------------------ reviewer policy


def review_rule(res: ClaimResult) -> tuple[bool, str]:
    """The reviewers' fixed policy for a FLAGGED claim, on the chain's own decision only.

    Reject when the monthly visit limit was exceeded (超次就诊), when less than half of the bill
    is eligible (大量目录外/超标准收费), or — for a grade-D institution — when a line was
    billed too soon or above the maximum quantity; approve otherwise."""
    notes = LineNote.NONE
    for ln in res.lines:
        notes |= ln.notes
    if res.flags & Flag.VISIT_LIMIT:
        return False, "VISIT_LIMIT_EXCEEDED"
    if res.billed and res.eligible * 2 < res.billed:
        return False, "LOW_ELIGIBLE_SHARE"
    if res.flags & Flag.INSTITUTION_GRADE and notes & (LineNote.TOO_SOON | LineNote.QTY_CAPPED):
        return False, "GRADE_D_IRREGULAR_LINES"
    return True, "OK"


def appeals_rule(res: ClaimResult) -> bool:
    """An institution appeals a reviewer's rejection when the fund share was at least 200 元."""
    return res.fund >= 200_00


def appeal_decision_rule(res: ClaimResult) -> tuple[bool, str]:
    """The second reviewer approves an appeal for an admission whose bill is at least 40 %
    eligible (necessity documented in the case file); otherwise the rejection stands."""
    if res.visit == VisitType.INPATIENT and res.eligible * 10 >= res.billed * 4:
        return True, "APPEAL_ADMISSION_JUSTIFIED"
    return False, "APPEAL_REJECTED"


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
class Player:
    chain: Chain
    world: World
    progress: Callable[[str, int], None]
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
        self.settlements: list[dict[str, Any]] = []
        self.settle_skips: list[dict[str, Any]] = []
        self.owed_events: list[dict[str, Any]] = []
        self.clearings: list[dict[str, Any]] = []
        self.clear_failures: list[dict[str, Any]] = []
        self.clawbacks: list[dict[str, Any]] = []
        self.contributions: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.appeals: list[dict[str, Any]] = []
        self.freezes: list[dict[str, Any]] = []
        self.terminations: list[dict[str, Any]] = []
        self.snapshots: list[dict[str, Any]] = []
        self.batches: list[int] = []
        self.frozen: dict[str, bool] = {}
        self.spent: defaultdict[str, float] = defaultdict(float)  # wall-clock seconds per kind of work in the year
        self.today = SETUP_DAY

    # ---------------------------------------------------------------- plumbing
    def as_(self, acct: LocalAccount) -> Ledger:
        return self.ledger.acting_as(acct)

    def timed(self, kind: str, fn: Callable[..., Any], *args: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.spent[kind] += time.perf_counter() - t

    def tx(self, kind: str, result: TxResult) -> TxResult:
        self.gas[kind] += result.gas_used
        self.txs[kind] += 1
        return result

    def clock(self, day: dt.date) -> None:
        if day != self.today or not self.snapshots:
            self.chain.set_clock(noon_cst(day))
        self.today = day

    # ---------------------------------------------------------------- setup
    def setup(self) -> None:
        w = self.world
        self.clock(SETUP_DAY)
        self.ledger = Ledger.deploy(self.chain, self.admin)
        led = self.ledger
        people_in = Counter(p.home for p in w.people)
        for code, name in REGIONS.items():
            self.tx("registry", led.add_region(code, name, people_in[code] * OPENING_PER_PERSON))
            self.tx("registry", led.grant_role(led.regulator_role(code), self.regulator[code].address))
            reg = self.as_(self.regulator[code])
            self.tx("registry", reg.grant_role(led.operator_role(code), self.operator[code].address))
            for rev in self.reviewers:
                self.tx("registry", reg.grant_role(led.reviewer_role(code), rev.address))
        self.progress("regions and roles", 1)
        for pol in w.policies:
            self.tx("registry", self.as_(self.regulator[pol.region]).add_policy(pol))
        for code in REGIONS:
            for r in self.as_(self.regulator[code]).set_items(code, w.items[code]):
                self.tx("registry", r)
                self.items[code] += r.named("CatalogueItemSet")
        self.progress("policies and catalogues", 1)
        for i, spec in enumerate(INSTITUTIONS):
            acct: LocalAccount = Account.from_key(institution_key(w.seed, i))
            self.chain.fund(acct.address)
            r = self.tx(
                "registry",
                self.as_(self.regulator[spec.region]).add_institution(
                    acct.address, spec.region, spec.level, spec.grade
                ),
            )
            for ev in r.named("InstitutionAdded"):
                self.inst_region[spec.key] = int(ev["region"])
            self.inst_acct[spec.key] = acct
            self.acct_inst[acct.address] = spec.key
        self.progress("institutions", 1)
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
        self.progress("enrolment and filings", 1)
        self.snapshot()

    # ---------------------------------------------------------------- the year's actions
    def contribute(self, person: bytes, home: int, amount: int) -> None:
        r = self.tx("contributions", self.as_(self.operator[home]).contribute(person, amount))
        for ev in r.named("ContributionRecorded"):
            self.contributions.append(
                {"date": self.today.isoformat(), "region": int(ev["region"]), "amount": int(ev["amount"])}
            )

    def terminate(self, person: bytes, home: int) -> None:
        r = self.tx("registry", self.as_(self.operator[home]).terminate_person(person, 1))
        for ev in r.named("PersonStatusChanged"):
            self.terminations.append({"date": self.today.isoformat(), "to": int(ev["to"])})

    def upload(self, inst: str, claims: list[PlannedClaim]) -> list[bytes]:
        """Submit an institution's pending claims in batches; returns the ids to review."""
        led = self.as_(self.inst_acct[inst])
        to_review: list[bytes] = []
        claims = sorted(claims, key=lambda c: (c.service, c.invoice))
        i = 0
        while i < len(claims):
            batch: list[PlannedClaim] = []
            lines = 0
            while i < len(claims) and len(batch) < BATCH_CLAIMS and lines + len(claims[i].lines) <= BATCH_LINES:
                batch.append(claims[i])
                lines += len(claims[i].lines)
                i += 1
            inputs = [
                ClaimInput(
                    c.invoice, c.person.pid, c.visit, c.service, c.lines, c.discharge, c.claimed_fund, c.documents
                )
                for c in batch
            ]
            results = led.submit_claims(inputs)
            self.gas["claims"] += results[0].gas_used
            self.txs["claims"] += 1
            self.batches.append(len(batch))
            for c, res in zip(batch, results, strict=True):
                if res.reason == Reason.DUPLICATE:
                    self.dups.append((c, res, self.today))
                    continue
                home = self.pid_home.get(self.member_pid.get(res.member, b""), 0)
                treating = self.inst_region[inst]
                pid = self.member_pid.get(res.member, b"")
                filed = any(r == treating and a <= c.service <= b for r, a, b in self.filings.get(pid, []))
                fund = res.fund if res.status in (ClaimStatus.APPROVED, ClaimStatus.FLAGGED) else 0
                rec = Rec(c, res, self.today, res.status, res.reason, fund, inst, home, treating, filed)
                self.recs[res.claim_id] = rec
                if res.status == ClaimStatus.APPROVED:
                    self.unsettled[inst].append(res.claim_id)
                elif res.status == ClaimStatus.FLAGGED:
                    to_review.append(res.claim_id)
            self.progress("claims", len(batch))
        return to_review

    def review(self, cid: bytes) -> bool:
        """First review; returns True when rejected (the institution may appeal)."""
        rec = self.recs[cid]
        approve, code = review_rule(rec.res)
        reviewer = self.reviewers[self.first_reviewer[rec.treating]]
        r = self.tx("reviews", self.as_(reviewer).review(cid, approve, code, f"review:{cid.hex()}"))
        self._reviewed(r, rec, code, appeal=False)
        return rec.status == ClaimStatus.REJECTED

    def _reviewed(self, r: TxResult, rec: Rec, code: str, appeal: bool) -> None:
        for ev in r.named("ClaimReviewed"):
            ok = bool(ev["approved"])
            (self.appeals if appeal else self.reviews).append(
                {
                    "date": self.today.isoformat(),
                    "claim": "0x" + bytes(ev["claimId"]).hex(),
                    "institution": rec.inst,
                    "approved": ok,
                    "appeal": bool(ev["appeal"]),
                    "rule": code,
                    "fund": int(ev["fund"]),
                }
            )
            rec.reviews.append(code)
            if ok:
                rec.status, rec.reason, rec.fund = ClaimStatus.APPROVED, Reason.NONE, int(ev["fund"])
                self.unsettled[rec.inst].append(rec.res.claim_id)
            else:
                rec.status = ClaimStatus.REJECTED
                rec.reason = Reason.APPEAL_REJECTED if appeal else Reason.REVIEW_REJECTED
                rec.fund = 0

    def appeal(self, cid: bytes) -> None:
        rec = self.recs[cid]
        r = self.tx("appeals", self.as_(self.inst_acct[rec.inst]).appeal(cid))
        if r.named("ClaimAppealed"):
            rec.status, rec.appealed = ClaimStatus.APPEALED, True

    def decide_appeal(self, cid: bytes) -> None:
        rec = self.recs[cid]
        approve, code = appeal_decision_rule(rec.res)
        reviewer = self.reviewers[1 - self.first_reviewer[rec.treating]]
        r = self.tx("appeals", self.as_(reviewer).review(cid, approve, code, f"appeal:{cid.hex()}"))
        self._reviewed(r, rec, code, appeal=True)

    def settle_all(self) -> None:
        for spec in INSTITUTIONS:
            acct = self.inst_acct[spec.key]
            # what the events say is payable (the settlement itself confirms it: Settled.claims)
            payable = sum(self.recs[cid].fund for cid in self.unsettled.get(spec.key, []))
            if self.frozen.get(spec.key):
                self.settle_skips.append(
                    {"date": self.today.isoformat(), "institution": spec.key, "why": "frozen", "payable": payable}
                )
                continue
            if payable == 0:
                continue
            try:
                r = self.tx(
                    "settlements",
                    self.as_(self.regulator[spec.region]).settle(acct.address, f"PAY-{spec.key}-{self.today:%Y%m%d}"),
                )
            except ContractError as exc:  # FundInsufficient: the fund cannot pay; nothing changed
                self.settle_skips.append(
                    {"date": self.today.isoformat(), "institution": spec.key, "why": exc.name, "payable": payable}
                )
                continue
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
                    {
                        "date": self.today.isoformat(),
                        "institution": spec.key,
                        "region": int(ev["region"]),
                        "payable": int(ev["payable_"]),
                        "netted": int(ev["netted"]),
                        "cash": int(ev["cash"]),
                        "claims": int(ev["claims"]),
                        "from_day": from_day(ev["fromDay"]).isoformat(),
                        "to_day": from_day(ev["toDay"]).isoformat(),
                    }
                )
            for ev in r.named("CrossRegionOwed"):
                self.owed_events.append(
                    {
                        "date": self.today.isoformat(),
                        "home": int(ev["home"]),
                        "treating": int(ev["treating"]),
                        "amount": int(ev["amount"]),
                        "owed": int(ev["owed"]),
                    }
                )

    def clear_all(self) -> None:
        for home, treating in ((CQ, GZ), (GZ, CQ)):
            owed = self.ledger.owed(home, treating)
            if owed == 0:
                continue
            try:
                r = self.tx("clearing", self.as_(self.regulator[home]).clear(home, treating))
            except ContractError as exc:
                self.clear_failures.append(
                    {"date": self.today.isoformat(), "from": home, "to": treating, "owed": owed, "why": exc.name}
                )
                continue
            for ev in r.named("Cleared"):
                self.clearings.append(
                    {
                        "date": self.today.isoformat(),
                        "from": int(ev["from"]),
                        "to": int(ev["to"]),
                        "amount": int(ev["amount"]),
                        "still_owed": int(ev["stillOwed"]),
                    }
                )

    def set_frozen(self, inst: str, frozen: bool) -> None:
        spec = next(s for s in INSTITUTIONS if s.key == inst)
        r = self.tx(
            "supervision", self.as_(self.regulator[spec.region]).set_frozen(self.inst_acct[inst].address, frozen)
        )
        for ev in r.named("InstitutionFreezeChanged"):
            self.freezes.append({"date": self.today.isoformat(), "institution": inst, "frozen": bool(ev["frozen"])})
            self.frozen[inst] = bool(ev["frozen"])

    def clawback_round(self) -> None:
        """The audit (飞行检查) found the surge institution's fake claims: claw back those paid."""
        spec = next(s for s in INSTITUTIONS if s.key == SURGE)
        reg = self.as_(self.regulator[spec.region])
        for cid, rec in self.recs.items():
            if rec.planned.tag != "fraud" or rec.status != ClaimStatus.SETTLED:
                continue
            r = self.tx(
                "supervision",
                reg.clawback(
                    cid,
                    "FAKE_ADMISSION" if rec.planned.visit == VisitType.INPATIENT else "FAKE_VISIT",
                    f"audit {self.today:%Y-%m} {rec.planned.invoice}",
                ),
            )
            for ev in r.named("ClaimClawedBack"):
                rec.status, rec.clawed_back = ClaimStatus.CLAWED_BACK, int(ev["amount"])
                self.clawbacks.append(
                    {
                        "date": self.today.isoformat(),
                        "claim": "0x" + cid.hex(),
                        "institution": self.acct_inst.get(ev["institution"], rec.inst),
                        "amount": int(ev["amount"]),
                        "reason": code_text(ev["reason"]),
                    }
                )

    def snapshot(self) -> None:
        for code in REGIONS:
            f = self.ledger.fund(code)
            self.snapshots.append({"date": self.today.isoformat(), "region": code, **f})

    # ---------------------------------------------------------------- the year
    def play(self) -> None:
        w = self.world
        by_ready: dict[dt.date, list[PlannedClaim]] = defaultdict(list)
        for c in w.claims:
            by_ready[c.ready].append(c)
        contributions: dict[dt.date, list[tuple[bytes, int, int]]] = defaultdict(list)
        rng = random.Random(w.seed * 7919 + 1)  # payment days of residents' premiums
        for p in w.people:
            if p.working:
                for m in range(1, 13):
                    day = dt.date(YEAR, m, 15)
                    if p.alive(day):
                        contributions[day].append((p.pid, p.home, p.wage * EMPLOYEE_RATE_BPS[p.home] // 10000))
            elif p.scheme == Scheme.RESIDENT and p.death is None:
                day = dt.date(YEAR, 9, 1) + dt.timedelta(days=rng.randrange(122))
                contributions[day].append((p.pid, p.home, RESIDENT_PREMIUM[p.home]))
        terminations: dict[dt.date, list[tuple[bytes, int]]] = defaultdict(list)
        for p in w.people:
            if p.death is not None:
                terminations[p.death + dt.timedelta(days=3)].append((p.pid, p.home))
        upload_weekday = {s.key: i % 7 for i, s in enumerate(INSTITUTIONS)}
        pending: dict[str, list[PlannedClaim]] = defaultdict(list)
        reviews: dict[dt.date, list[bytes]] = defaultdict(list)
        appeals: dict[dt.date, list[bytes]] = defaultdict(list)
        decisions: dict[dt.date, list[bytes]] = defaultdict(list)
        settle_days = {dt.date(YEAR, m, SETTLE_DAY) for m in range(2, 13)} | {dt.date(YEAR + 1, 1, SETTLE_DAY)}
        day = JAN1
        while day <= END:
            for c in by_ready.pop(day, []):
                pending[c.inst].append(c)
            uploads = [k for k in pending if pending[k] and (day.weekday() == upload_weekday[k] or day >= LAST_UPLOAD)]
            todo = (
                uploads
                or reviews.get(day)
                or appeals.get(day)
                or decisions.get(day)
                or contributions.get(day)
                or terminations.get(day)
                or day in settle_days
                or day in CLEARING_DAYS
                or day in CLAWBACK_DAYS
                or day in (FREEZE_DAY, UNFREEZE_DAY)
            )
            snap = day.weekday() == 6 or day.day in (1, 15) or day in settle_days or day in CLEARING_DAYS or day == END
            if todo or snap:
                self.timed("clock", self.clock, day)
            for pid, home in terminations.pop(day, []):
                self.timed("supervision", self.terminate, pid, home)
            for pid, home, amount in contributions.pop(day, []):
                self.timed("contributions", self.contribute, pid, home, amount)
            for inst in uploads:
                for cid in self.timed("claims", self.upload, inst, pending.pop(inst)):
                    reviews[day + dt.timedelta(days=REVIEW_LAG)].append(cid)
            for cid in reviews.pop(day, []):
                if self.timed("reviews", self.review, cid) and appeals_rule(self.recs[cid].res):
                    appeals[day + dt.timedelta(days=APPEAL_LAG)].append(cid)
            for cid in appeals.pop(day, []):
                self.timed("appeals", self.appeal, cid)
                decisions[day + dt.timedelta(days=APPEAL_DECISION_LAG)].append(cid)
            for cid in decisions.pop(day, []):
                self.timed("appeals", self.decide_appeal, cid)
            if day in settle_days:
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
            self.progress(f"day {day.isoformat()}", 0)
            day += dt.timedelta(days=1)
        left = sum(len(v) for v in pending.values()) + sum(len(v) for v in reviews.values())
        if left or appeals or decisions:
            raise ChainError(f"the year ended with {left} claims not uploaded or reviewed")


# ------------------------------------------------------------------------------------ the report


def _month(d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}"


def pseudonym_prefix(pid: bytes) -> str:
    return "0x" + pid.hex()[:10] + "…"


def build_doc(pl: Player, out_dir: Path, seed: int, people: int, claims: int) -> dict[str, Any]:
    led, w = pl.ledger, pl.world
    recs = list(pl.recs.values())
    months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]

    # regions, policies, catalogue — from the chain
    regions = []
    for code in REGIONS:
        info = led.region(code)
        pids = [pid for pid, home in pl.pid_home.items() if home == code]
        regions.append(
            {
                "code": code,
                "name": info["name"],
                "opening_balance": info["opening_balance"],
                "people": len(pids),
                "employees": sum(1 for pid in pids if pl.pid_scheme[pid] == Scheme.EMPLOYEE),
                "residents": sum(1 for pid in pids if pl.pid_scheme[pid] == Scheme.RESIDENT),
                "people_with_filings": sum(1 for pid in pids if pl.filings.get(pid)),
            }
        )
    policies = []
    for code in REGIONS:
        for scheme in Scheme:
            for i, day in enumerate((JAN1, dt.date(YEAR, 7, 1))):
                if i == 1 and led.policy_count(code, scheme) < 2:
                    continue
                p = led.policy_at(code, scheme, day)
                policies.append(
                    {
                        "region": code,
                        "scheme": scheme.name,
                        "effective_from": p.effective_from.isoformat(),
                        "op_deductible": p.op_deductible,
                        "ip_deductible": list(p.ip_deductible[1:]),
                        "op_ratio_bps": list(p.op_ratio_bps),
                        "ip_ratio_bps": list(p.ip_ratio_bps[1:]),
                        "op_annual_cap": p.op_annual_cap,
                        "annual_cap": p.annual_cap,
                        "monthly_visit_limit": p.monthly_visit_limit,
                        "class_b_self_pay_bps": p.class_b_self_pay_bps,
                        "cross_region_cut_bps": p.cross_region_cut_bps,
                        "waiting_days": p.waiting_days,
                        "review_threshold": p.review_threshold,
                        "max_claim_age_days": p.max_claim_age_days,
                        "appeal_days": p.appeal_days,
                    }
                )
    catalogue = []
    for code in REGIONS:
        evs = {bytes(e["code"]): e for e in pl.items[code]}.values()
        catalogue.append(
            {
                "region": code,
                "items": len(evs),
                "class_A": sum(1 for e in evs if e["category"] == 0),
                "class_B": sum(1 for e in evs if e["category"] == 1),
                "class_C": sum(1 for e in evs if e["category"] == 2),
                "price_capped": sum(1 for e in evs if e["priceCap"] > 0),
                "inpatient_only": sum(1 for e in evs if e["inpatientOnly"]),
                "max_qty": sum(1 for e in evs if e["maxQty"] > 0),
                "min_interval": sum(1 for e in evs if e["minIntervalDays"] > 0),
            }
        )

    # claims — from the decisions and what happened to them since
    n_sub = len(recs) + len(pl.dups)
    by_status = Counter(r.status.name for r in recs)
    by_status["REJECTED"] += len(pl.dups)
    at_submission = Counter(r.res.status.name for r in recs)
    at_submission["REJECTED"] += len(pl.dups)
    by_reason = Counter(r.reason.name for r in recs if r.status == ClaimStatus.REJECTED)
    by_reason["DUPLICATE"] += len(pl.dups)
    first_reason = Counter(r.res.reason.name for r in recs if r.res.status == ClaimStatus.REJECTED)
    first_reason["DUPLICATE"] += len(pl.dups)
    by_month = []
    for m in months:
        row: dict[str, Any] = {"month": m}
        for s in STATUSES:
            row[s] = sum(1 for r in recs if _month(r.planned.service) == m and r.status.name == s)
        row["REJECTED"] += sum(1 for c, _, _ in pl.dups if _month(c.service) == m)
        row["total"] = sum(row[s] for s in STATUSES)
        row["fund_paid"] = sum(
            r.fund for r in recs if _month(r.planned.service) == m and r.status == ClaimStatus.SETTLED
        )
        by_month.append(row)
    inst_month = {s.key: [0] * 12 for s in INSTITUTIONS}
    for r in recs:
        inst_month[r.inst][r.planned.service.month - 1] += 1
    for c, _, _ in pl.dups:
        inst_month[c.inst][c.service.month - 1] += 1
    by_visit = {}
    for v in VisitType:
        rs = [r for r in recs if r.res.visit == v]
        by_visit[v.name] = {
            "claims": len(rs),
            "billed": sum(r.res.billed for r in rs),
            "fund": sum(r.fund for r in rs if r.status in (ClaimStatus.SETTLED, ClaimStatus.APPROVED)),
        }
    notes: Counter[str] = Counter()
    for r in recs:
        for ln in r.res.lines:
            for n in note_names(ln.notes):
                notes[n] += 1
    flags = Counter(f for r in recs for f in flag_names(r.res.flags))
    cross = {"filed": {"claims": 0, "fund": 0}, "unfiled": {"claims": 0, "fund": 0}}
    for r in recs:
        if r.home and r.home != r.treating:
            k = "filed" if r.filed else "unfiled"
            cross[k]["claims"] += 1
            if r.status in (ClaimStatus.SETTLED, ClaimStatus.APPROVED):
                cross[k]["fund"] += r.fund
    cross_by_pair = []
    for home, treating in ((CQ, GZ), (GZ, CQ)):
        rs = [r for r in recs if r.home == home and r.treating == treating]
        cross_by_pair.append(
            {
                "home": home,
                "treating": treating,
                "claims": len(rs),
                "unfiled": sum(1 for r in rs if not r.filed),
                "owed_booked": sum(
                    e["amount"] for e in pl.owed_events if e["home"] == home and e["treating"] == treating
                ),
                "cleared": sum(c["amount"] for c in pl.clearings if c["from"] == home and c["to"] == treating),
                "owed_now": led.owed(home, treating),
            }
        )

    # alerts — from the Alert events
    alerts_kind: Counter[str] = Counter()
    alerts_inst: dict[str, Counter[str]] = {s.key: Counter() for s in INSTITUTIONS}
    alerts_person: dict[bytes, Counter[str]] = defaultdict(Counter)
    for r in recs:
        pid = pl.member_pid.get(r.res.member, b"")
        for a in r.res.alerts:
            alerts_kind[a.name] += 1
            alerts_inst[r.inst][a.name] += 1
            alerts_person[pid][a.name] += 1
    for c, res, _ in pl.dups:
        orig = pl.recs.get(res.claim_id)
        pid = pl.member_pid.get(orig.res.member, b"") if orig else b""
        for a in res.alerts:
            alerts_kind[a.name] += 1
            alerts_inst[pl.acct_inst.get(res.institution, c.inst)][a.name] += 1
            alerts_person[pid][a.name] += 1
    claims_per_pid = Counter(pl.member_pid.get(r.res.member, b"") for r in recs)
    top_people = sorted(
        ((pid, cnt) for pid, cnt in alerts_person.items() if pid), key=lambda x: (-sum(x[1].values()), x[0])
    )[:10]
    top_people_rows = [
        {
            "pseudonym": pseudonym_prefix(pid),
            "home": pl.pid_home.get(pid, 0),
            "alerts": sum(cnt.values()),
            "kinds": dict(sorted(cnt.items())),
            "claims": claims_per_pid[pid],
            "rejected": sum(
                1 for r in recs if pl.member_pid.get(r.res.member) == pid and r.status == ClaimStatus.REJECTED
            ),
        }
        for pid, cnt in top_people
    ]

    # institutions — chain state plus their events
    institutions = []
    for spec in INSTITUTIONS:
        chain_info = led.institution(pl.inst_acct[spec.key].address)
        rs = [r for r in recs if r.inst == spec.key]
        sts = [x for x in pl.settlements if x["institution"] == spec.key]
        institutions.append(
            {
                "key": spec.key,
                "name": spec.name,
                "note": spec.note,
                **chain_info.to_json(),
                "claims": len(rs) + sum(1 for c, _, _ in pl.dups if c.inst == spec.key),
                "billed": sum(r.res.billed for r in rs),
                "flagged_at_submission": sum(1 for r in rs if r.res.status == ClaimStatus.FLAGGED),
                "rejected": sum(1 for r in rs if r.status == ClaimStatus.REJECTED)
                + sum(1 for c, _, _ in pl.dups if c.inst == spec.key),
                "settlements": len(sts),
                "settled_payable": sum(x["payable"] for x in sts),
                "settled_netted": sum(x["netted"] for x in sts),
                "settled_cash": sum(x["cash"] for x in sts),
                "clawed_back": sum(x["amount"] for x in pl.clawbacks if x["institution"] == spec.key),
                "clawed_back_claims": sum(1 for x in pl.clawbacks if x["institution"] == spec.key),
                "alerts": sum(alerts_inst[spec.key].values()),
                "alerts_by_kind": dict(sorted(alerts_inst[spec.key].items())),
            }
        )
    top_institutions = sorted(institutions, key=lambda i: (-i["alerts"], i["key"]))

    # funds
    funds = []
    for code in REGIONS:
        f = led.fund(code)
        identity = (
            f["opening"] + f["contributions"] - f["settled"] + f["clearing_in"] - f["clearing_out"] + f["recovered"]
        )
        funds.append(
            {
                "region": code,
                "name": REGIONS[code],
                **f,
                "identity_holds": identity == f["balance"],
                "contributions_recorded": sum(c["amount"] for c in pl.contributions if c["region"] == code),
                "contribution_payments": sum(1 for c in pl.contributions if c["region"] == code),
            }
        )
    contributions_by_month = []
    for m in months:
        contributions_by_month.append(
            {
                "month": m,
                **{
                    str(code): sum(c["amount"] for c in pl.contributions if c["region"] == code and c["date"][:7] == m)
                    for code in REGIONS
                },
            }
        )

    # reviews and appeals
    reviews = {
        "reviews": len(pl.reviews),
        "approved": sum(1 for r in pl.reviews if r["approved"]),
        "rejected": sum(1 for r in pl.reviews if not r["approved"]),
        "by_rule": dict(sorted(Counter(r["rule"] for r in pl.reviews).items())),
        "appeals_filed": sum(1 for r in recs if r.appealed),
        "appeals_approved": sum(1 for a in pl.appeals if a["approved"]),
        "appeals_rejected": sum(1 for a in pl.appeals if not a["approved"]),
        "fund_restored_by_appeals": sum(a["fund"] for a in pl.appeals if a["approved"]),
    }
    claim_gas = pl.gas["claims"]
    gas = {
        "total": sum(pl.gas.values()),
        "transactions": sum(pl.txs.values()),
        "by_kind": {k: {"gas": pl.gas[k], "transactions": pl.txs[k]} for k in sorted(pl.gas)},
        "claim_submissions": n_sub,
        "claim_transactions": pl.txs["claims"],
        "per_claim": claim_gas // max(1, n_sub),
        "mean_batch": round(n_sub / max(1, pl.txs["claims"]), 1),
        "largest_batch": max(pl.batches, default=0),
        "note": "gas from the receipts of every transaction the demo sent after deployment",
    }
    doc: dict[str, Any] = {
        "title": f"yibao demo — {YEAR} in 重庆 and 广州",
        "seed": seed,
        "size": {"people": people, "claims_requested": claims},
        "chain": pl.chain.describe(),
        "ledger": led.address,
        "period": {"from": JAN1.isoformat(), "to": END.isoformat(), "setup": SETUP_DAY.isoformat()},
        "regions": regions,
        "policies": policies,
        "catalogue": catalogue,
        "institutions": institutions,
        "people_total": led.person_count(),
        "funds": funds,
        "fund_series": pl.snapshots,
        "contributions_by_month": contributions_by_month,
        "claims": {
            "submitted": n_sub,
            "stored": len(recs),
            "duplicates": len(pl.dups),
            "at_submission": dict(sorted(at_submission.items())),
            "by_status": {s: by_status.get(s, 0) for s in STATUSES},
            "rejected_by_reason": dict(sorted(by_reason.items())),
            "rejected_at_submission_by_reason": dict(sorted(first_reason.items())),
            "flags": dict(sorted(flags.items())),
            "line_notes": dict(sorted(notes.items())),
            "by_visit": by_visit,
            "by_month": by_month,
            "by_institution_month": inst_month,
            "billed": sum(r.res.billed for r in recs),
            "fund_settled": sum(r.fund for r in recs if r.status == ClaimStatus.SETTLED),
            "fund_approved_unsettled": sum(r.fund for r in recs if r.status == ClaimStatus.APPROVED),
            "cross_region": cross,
            "cross_region_pairs": cross_by_pair,
        },
        "alerts": {
            "total": sum(alerts_kind.values()),
            "by_kind": {k.name: alerts_kind.get(k.name, 0) for k in AlertKind},
            "by_institution": {k: sum(v.values()) for k, v in alerts_inst.items()},
            "top_people": top_people_rows,
            "top_institutions": [
                {
                    "key": i["key"],
                    "name": i["name"],
                    "alerts": i["alerts"],
                    "kinds": i["alerts_by_kind"],
                    "rejected": i["rejected"],
                    "claims": i["claims"],
                }
                for i in top_institutions
            ],
        },
        "reviews": reviews,
        "settlements": pl.settlements,
        "settlement_skips": pl.settle_skips,
        "clearings": pl.clearings,
        "clearing_failures": pl.clear_failures,
        "clawbacks": {
            "claims": len(pl.clawbacks),
            "amount": sum(c["amount"] for c in pl.clawbacks),
            "list": pl.clawbacks,
        },
        "freezes": pl.freezes,
        "terminations": len(pl.terminations),
        "gas": gas,
    }
    doc["checks"] = self_check(pl, doc, seed)
    doc["summary"] = summary_lines(doc)
    # kept for the current `yibao demo` printer
    doc["people_sample"] = [led.person(p.pid).to_json() for p in w.people[:5]]
    doc["stats"] = {
        "people": len(pl.pid_home),
        "enrol_transactions": pl.txs["enrolment"],
        "gas_per_person": pl.gas["enrolment"] // max(1, len(pl.pid_home)),
        "people_per_second": 0,
        "filings": pl.txs["filings"],
    }
    return doc


def self_check(pl: Player, doc: dict[str, Any], seed: int) -> dict[str, Any]:
    """Re-read a sample of claims through ``claimInfo`` and compare with the events' account."""
    rng = random.Random(seed + 101)
    ids = sorted(pl.recs)
    sample = rng.sample(ids, min(60, len(ids)))
    mismatches = []
    for cid in sample:
        v = pl.ledger.claim(cid)
        rec = pl.recs[cid]
        fund = v.fund if v.status in (ClaimStatus.APPROVED, ClaimStatus.SETTLED) else 0
        if v.status != rec.status or (v.status != ClaimStatus.CLAWED_BACK and fund != rec.fund):
            mismatches.append({"claim": "0x" + cid.hex(), "chain": v.status.name, "events": rec.status.name})
    law = all(f["identity_holds"] for f in doc["funds"])
    paid = all(i["paid"] == i["settled_cash"] for i in doc["institutions"])
    return {
        "claims_sampled": len(sample),
        "claim_mismatches": mismatches,
        "fund_identity": law,
        "institution_paid_matches_settlements": paid,
    }


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.0f} 元" if abs(fen) >= 100_000_00 else f"{fen / 100:,.2f} 元"


def summary_lines(doc: dict[str, Any]) -> list[str]:
    c, g, a, rv = doc["claims"], doc["gas"], doc["alerts"], doc["reviews"]
    st = c["by_status"]
    lines = [
        f"{doc['title']} — seed {doc['seed']}, chain {doc['chain']}, ledger {doc['ledger']}",
        f"{doc['people_total']:,} insured people; {c['submitted']:,} claim submissions "
        f"({c['duplicates']} duplicates) in {g['claim_transactions']:,} batches "
        f"(mean {g['mean_batch']}, largest {g['largest_batch']})",
        "final status: " + ", ".join(f"{k} {v:,}" for k, v in st.items() if v),
        f"alerts {a['total']:,}: " + ", ".join(f"{k} {v:,}" for k, v in a["by_kind"].items() if v),
        f"reviews {rv['reviews']:,} ({rv['rejected']:,} rejected); appeals {rv['appeals_filed']} "
        f"({rv['appeals_approved']} approved)",
        f"clawed back {doc['clawbacks']['claims']} claims, {_yuan(doc['clawbacks']['amount'])}; "
        f"cross-region: {c['cross_region']['unfiled']['claims']} unfiled, "
        f"{c['cross_region']['filed']['claims']} filed, "
        f"cleared {_yuan(sum(x['amount'] for x in doc['clearings']))}",
    ]
    for f in doc["funds"]:
        lines.append(
            f"fund {f['region']} {f['name']}: opening {_yuan(f['opening'])} → balance {_yuan(f['balance'])} "
            f"(contributions {_yuan(f['contributions'])}, settled {_yuan(f['settled'])}, "
            f"recovered {_yuan(f['recovered'])}){'' if f['identity_holds'] else ' IDENTITY BROKEN'}"
        )
    lines.append(f"gas {g['total']:,} in {g['transactions']:,} transactions; {g['per_claim']:,} per claim")
    return lines


# ------------------------------------------------------------------------------------ entry point


def open_chain(rpc: str | None) -> Chain:
    first = noon_cst(SETUP_DAY)
    if rpc is None:
        return Chain.embedded(genesis_timestamp=first - 86_400)
    chain = Chain.connect(rpc)
    if chain.timestamp() > first:
        raise ChainError(
            f"the node at {rpc} is past 12:00 CST of {SETUP_DAY.isoformat()}; the demo plays "
            f"2026 on the chain clock: start a fresh node (anvil --timestamp {first - 86_400})"
        )
    return chain


@dataclass
class DemoRun:
    """A finished demo: the report document and the ledger it was played on (still open)."""

    doc: dict[str, Any]
    ledger: Ledger


def play_demo(
    rpc: str | None = None,
    people: int = 1000,
    claims: int = 10000,
    seed: int = 7,
    out_dir: Path = Path("out/demo"),
    console: Console | None = None,
) -> DemoRun:
    """:func:`run_demo`, also handing back the ledger (tests re-read the chain through it)."""
    from yibao.demo.document import write_report

    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    world = build_world(seed, people, claims)
    timing["world_s"] = time.perf_counter() - t0
    chain = open_chain(rpc)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
        transient=False,
    ) as bar:
        setup_task = bar.add_task("setting up", total=4, note="")
        claim_task = bar.add_task("claims", total=len(world.claims), note="", visible=False)

        def progress(what: str, n: int) -> None:
            if what == "claims":
                bar.advance(claim_task, n)
            elif what.startswith("day "):
                bar.update(claim_task, note=what[4:])
            else:
                bar.advance(setup_task, n)
                bar.update(setup_task, note=what)
                if bar.tasks[setup_task].completed >= 4:
                    bar.update(claim_task, visible=True, description=f"playing {YEAR}")

        pl = Player(chain, world, progress)
        t = time.perf_counter()
        pl.setup()
        timing["setup_s"] = time.perf_counter() - t
        t = time.perf_counter()
        pl.play()
        timing["year_s"] = time.perf_counter() - t
    t = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    pl.ledger.manifest.save(manifest_path)
    doc = build_doc(pl, out_dir, seed, people, claims)
    doc["manifest"] = str(manifest_path)
    timing["read_back_s"] = time.perf_counter() - t
    timing.update({f"year_{k.replace(' ', '_')}_s": v for k, v in sorted(pl.spent.items())})
    n_sub = doc["claims"]["submitted"]
    timing["claims_per_second_in_year"] = n_sub / timing["year_s"] if timing["year_s"] else 0.0
    t = time.perf_counter()
    doc["timing"] = timing
    write_report(doc, out_dir)
    write_claims_csv(pl, out_dir / "claims.csv")
    timing["report_s"] = time.perf_counter() - t
    timing["total_s"] = time.perf_counter() - t0
    doc["timing"] = {k: round(v, 2) for k, v in timing.items()}
    doc["summary"].append(
        f"took {timing['total_s']:.1f} s (year {timing['year_s']:.1f} s, "
        f"{timing['claims_per_second_in_year']:.0f} claims/s); report in {out_dir}/report.html"
    )
    write_report(doc, out_dir)
    return DemoRun(doc, pl.ledger)


def run_demo(
    rpc: str | None = None,
    people: int = 1000,
    claims: int = 10000,
    seed: int = 7,
    out_dir: Path = Path("out/demo"),
    console: Console | None = None,
) -> dict[str, Any]:
    """Build the world, play the year on the chain (embedded, or the node at ``rpc``), write the
    report into ``out_dir`` (report.html, report.json, CSV files, manifest.json) and return the
    report document; ``doc["summary"]`` is a few lines for the terminal, ``doc["timing"]`` the
    measured wall-clock seconds."""
    return play_demo(rpc, people, claims, seed, out_dir, console).doc


def write_claims_csv(pl: Player, path: Path) -> None:
    """Every decision: stored claims as they stand now, then the DUPLICATE decisions."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "claim_id",
                "institution",
                "member",
                "home",
                "treating",
                "filed",
                "visit",
                "service_date",
                "submitted",
                "status_at_submission",
                "reason_at_submission",
                "flags",
                "alerts",
                "status",
                "reason",
                "billed",
                "eligible",
                "deductible",
                "fund",
                "reviews",
                "appealed",
                "settled_on",
                "clawed_back",
                "duplicate",
            ]
        )
        for cid, r in pl.recs.items():
            res = r.res
            w.writerow(
                [
                    "0x" + cid.hex(),
                    r.inst,
                    res.member,
                    r.home,
                    r.treating,
                    int(r.filed),
                    r.planned.visit.name,
                    r.planned.service.isoformat(),
                    r.submitted.isoformat(),
                    res.status.name,
                    res.reason.name,
                    "|".join(flag_names(res.flags)),
                    "|".join(a.name for a in res.alerts),
                    r.status.name,
                    r.reason.name,
                    res.billed,
                    res.eligible,
                    res.deductible,
                    r.fund,
                    "|".join(r.reviews),
                    int(r.appealed),
                    r.settled_on.isoformat() if r.settled_on else "",
                    r.clawed_back,
                    0,
                ]
            )
        for c, res, day in pl.dups:
            w.writerow(
                [
                    "0x" + res.claim_id.hex(),
                    c.inst,
                    res.member,
                    "",
                    "",
                    "",
                    res.visit.name if isinstance(res.visit, VisitType) else res.visit,
                    c.service.isoformat(),
                    day.isoformat(),
                    res.status.name,
                    res.reason.name,
                    "",
                    "|".join(a.name for a in res.alerts),
                    res.status.name,
                    res.reason.name,
                    res.billed,
                    0,
                    0,
                    0,
                    "",
                    0,
                    "",
                    0,
                    1,
                ]
            )
