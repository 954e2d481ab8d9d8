"""The demo's supervision loop (监管闭环), played during the year so that later settlements net
what the cases claw back (supervision.md).

On the supervision day (:data:`SUPERVISION_DAY`, the first working day of July) the player
indexes the chain so far into the output folder's index (the same file the year-end screening
continues), screens it with screening.md's default parameters and stores the leads. The
regulator of each institution's region opens one case (source LEAD) on each institution with
HIGH leads, on all its claims of them (a lead on several institutions counts
for each), the institution of the largest lead first, at most :data:`MAX_CASES` cases. One case
per institution keeps its credit score at 70 or more (a grade-D institution has every claim
reviewed, which would change the rest of the world's year). The investigation (on-site
inspection of the medical records) records a finding per lead: the lead's claims that the world
planted for that rule and that are still payable (APPROVED or SETTLED); a case where it finds
none is closed NO_VIOLATION. Each case with a finding is decided two days later: Art. 40
(骗取医保基金: care that cannot have happened, :data:`PHANTOM_RULES`, when a finding is of
one) at 3× the loss, Art. 38 (over-billing: every other rule) at 1.5×. The
institution of the gravest case (Art. 40 first, a hospital first, then the largest loss) is also
suspended for :data:`SUSPEND_DAYS` days; it holds its uploads while suspended and the regulator
reinstates it on the last day of the suspension, before that day's settlement. The institution
of the largest other fine contests; a reviewer (not the regulator) rules the contest upheld and
the regulator finalizes it at once; the others are finalized once the 15-day contest window has
passed. Every institution's fines owed are paid a month later. Everything follows from the seed.

:class:`CasePlayer` records what the receipts' events say each step did (:class:`CaseRec`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao.client import Ledger
from yibao.client.case_history import case_story
from yibao.codec import decode_reason
from yibao.demo.player import Agenda, Player, Row
from yibao.demo.screening_report import INDEX_FILE, build_index
from yibao.demo.world import INST_BY_KEY
from yibao.demo.world_rules import YEAR
from yibao.index.cases import lead_ids, take_up
from yibao.index.screen import screen, store_leads
from yibao.model.screening import Lead, Rule, Severity
from yibao.model.types import CaseSource, ClaimStatus, Grade, InstitutionStatus, Reason
from yibao.units import from_day, noon_cst

SUPERVISION_DAY = dt.date(YEAR, 7, 1)  # a Wednesday: the first working day of July
DECIDE_LAG, CONTEST_LAG, RULING_LAG = 2, 5, 5  # days after opening; after deciding; after contesting
FINALIZE_LAG = 17  # days after deciding: past the 15-day contest window (today − decided_on > 15)
SUSPEND_DAYS = 21
FINE_PAY_LAG = 31  # days after finalizing
MAX_CASES = 10
CASE_CLAIMS = 200  # the most claims the contract takes in a case (CaseClaimsInvalid above)
PHANTOM_RULES = frozenset({Rule.OVERLAP_STAY, Rule.GHOST_BED, Rule.IMPOSSIBLE_TRAVEL})
FINE_BPS = {38: 15_000, 40: 30_000}
PAYABLE = (ClaimStatus.APPROVED, ClaimStatus.SETTLED)


def article_of(rule: Rule) -> int:
    """Art. 40 for phantom care, Art. 38 for over-billing."""
    return 40 if rule in PHANTOM_RULES else 38


@dataclass
class CaseRec:
    """A case as the demo played it and the events of its steps told."""

    id: int
    inst: str
    leads: list[int]
    rule: Rule  # the first lead's (the largest)
    severity: Severity
    claims: list[bytes]
    opened_on: dt.date
    found: list[bytes] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # the rules of its findings, in order
    article: int = 0
    fine_bps: int = 0
    suspend_days: int = 0
    contest: bool = False
    decided_on: dt.date | None = None
    closed_on: dt.date | None = None
    outcome: str = "NONE"
    loss: int = 0
    fine: int = 0
    clawed: dict[bytes, int] = field(default_factory=dict)
    rejected: dict[bytes, int] = field(default_factory=dict)
    score: int | None = None
    block: int = 0  # the block of its opening


@dataclass
class CasePlayer(Player):
    """The demo's :class:`Player` with the supervision loop of its year; the mid-year index is
    ``out_dir / index.db`` (a temporary folder when None)."""

    out_dir: Path | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cases: list[CaseRec] = []
        self.midyear_leads: list[Lead[str]] = []
        self.skipped_leads = 0
        self.case_agenda: dict[dt.date, list[Callable[[], None]]] = defaultdict(list)
        self.suspended: dict[str, dt.date] = {}
        self.status_changes: list[Row] = []
        self.grade_changes: list[Row] = []
        self.fine_payments: list[Row] = []
        self.case_claims: dict[bytes, int] = {}  # claims executed by a case: its id
        self.story: dict[str, Any] | None = None  # the contested case's, read when it closed
        self.patient_wallets: list[LocalAccount] = []  # bound by yibao.demo.patients

    @property
    def index_path(self) -> Path:
        if self.out_dir is None:
            self.out_dir = Path(tempfile.mkdtemp(prefix="yibao-demo-"))
        return self.out_dir / INDEX_FILE

    # ---------------------------------------------------------------- the day
    def play_day(self, day: dt.date, due: Agenda) -> None:
        for key, until in sorted(self.suspended.items()):
            if day >= until:
                self.timed("clock", self.clock, day)
                self.timed("cases", self.reinstate, key)
        held = {k: due.pending.pop(k) for k in sorted(self.suspended) if k in due.pending}
        super().play_day(day, due)
        for k, claims in held.items():
            due.pending[k] = claims + due.pending.get(k, [])
        if day == SUPERVISION_DAY:
            self.timed("clock", self.clock, day)
            self.timed("cases", self.open_cases)
        for step in self.case_agenda.pop(day, []):
            self.timed("clock", self.clock, day)
            self.timed("cases", step)

    def later(self, days: int, step: Callable[[], None]) -> None:
        self.case_agenda[self.today + dt.timedelta(days=days)].append(step)

    # ---------------------------------------------------------------- opening
    def open_cases(self) -> None:
        """Index and screen the year so far; open the cases of the HIGH leads."""
        engine = build_index(self, self.index_path)
        try:
            with engine.begin() as conn:
                leads = screen(conn)
                store_leads(conn, leads, int(noon_cst(self.today)))
                ids = lead_ids(conn, leads)
            self.midyear_leads = leads
            high = [(x, lid) for x, (lid, _, _) in zip(leads, ids, strict=True) if x.severity is Severity.HIGH]
            high.sort(key=lambda h: (-h[0].amount, str(h[0].rule), h[0].claims))
            taken = self.open_institutions(high)
            with engine.begin() as conn:
                for lid, case_id in taken:
                    take_up(conn, lid, case_id)
        finally:
            engine.dispose()
        self.plan_decisions()

    def open_institutions(self, high: list[tuple[Lead[str], int]]) -> list[tuple[int, int]]:
        """One case per institution with HIGH leads (the institution of the largest lead first, at
        most :data:`MAX_CASES`), on all its claims of them; ``(lead, case)`` of every lead taken up."""
        by_inst: dict[str, list[tuple[Lead[str], int, list[bytes]]]] = {}
        for lead, lid in high:
            mine: dict[str, list[bytes]] = defaultdict(list)
            for c in lead.claims:
                cid = bytes.fromhex(c[2:])
                mine[self.recs[cid].inst].append(cid)
            for inst, claims in sorted(mine.items()):
                by_inst.setdefault(inst, []).append((lead, lid, claims))
        taken: list[tuple[int, int]] = []
        for n, (inst, items) in enumerate(by_inst.items()):
            if n >= MAX_CASES:
                self.skipped_leads += len(items)
                continue
            fits: list[tuple[Lead[str], int, list[bytes]]] = []
            size = 0
            for item in items:  # the contract takes at most CASE_CLAIMS claims a case
                new = len(set(item[2]) - {c for _, _, cs in fits for c in cs})
                if fits and size + new > CASE_CLAIMS:
                    self.skipped_leads += 1
                    continue
                fits.append(item if fits else (item[0], item[1], item[2][:CASE_CLAIMS]))
                size += min(new, CASE_CLAIMS)
            items = fits
            case_id = self.open_case(inst, items)
            taken += [(lid, case_id) for _, lid, _ in items if lid not in {t[0] for t in taken}]
        return taken

    def open_case(self, inst: str, items: list[tuple[Lead[str], int, list[bytes]]]) -> int:
        """Open the case, record a finding per lead (its planted claims still payable), or close it
        NO_VIOLATION when the inspection finds none."""
        reg = self.as_(self.regulator[self.inst_region[inst]])
        claims = list(dict.fromkeys(c for _, _, cs in items for c in cs))
        before = self.chain.block_number()  # the case opens after it
        case_id, r = reg.open_case(self.inst_acct[inst].address, claims, CaseSource.LEAD,
                                   self.key.digest(f"leads {[lid for _, lid, _ in items]} {inst}"),
                                   by_region=self.inst_region[inst])
        self.tx("cases", r)
        first = items[0][0]
        case = CaseRec(case_id, inst, [lid for _, lid, _ in items], first.rule, first.severity, claims, self.today,
                       block=before)
        self.cases.append(case)
        for lead, _, cs in items:
            truth = self.world.planted.instances.get(lead.rule, [])
            planted = frozenset().union(*truth) if truth else frozenset()
            found = [c for c in cs if self.recs[c].planned.invoice in planted and self.recs[c].status in PAYABLE
                     and c not in case.found]
            if not found:
                continue
            r = self.tx("cases", reg.add_finding(case_id, found, str(lead.rule),
                                                 self.key.digest(f"inspection case {case_id} {lead.rule}")))
            for ev in r.named("CaseFinding"):
                case.found += [bytes(c) for c in ev["claims"]]
                case.findings.append(str(lead.rule))
        if not case.found:
            self.tx("cases", reg.close_case(case_id))
            case.outcome, case.closed_on = "NO_VIOLATION", self.today
        return case_id

    # ---------------------------------------------------------------- deciding
    def plan_decisions(self) -> None:
        """Which case suspends, which contests; deciding in :data:`DECIDE_LAG` days."""
        live = [c for c in self.cases if c.found]
        if not live:
            return
        for c in live:
            c.article = max(article_of(Rule(f)) for f in c.findings)
            c.fine_bps = FINE_BPS[c.article]
            c.loss = sum(self.recs[x].fund for x in c.found if self.recs[x].status in PAYABLE)
        gravest = max(live, key=lambda c: (c.article, INST_BY_KEY[c.inst].level >= 1, c.loss, -c.id))
        gravest.suspend_days = SUSPEND_DAYS
        others = [c for c in live if c is not gravest and c.inst != gravest.inst] or [gravest]
        contester = max(others, key=lambda c: (c.loss * c.fine_bps, -c.id))
        contester.contest = True
        self.later(DECIDE_LAG, partial(self.decide_all, live))

    def decide_all(self, cases: list[CaseRec]) -> None:
        for c in cases:
            reg = self.as_(self.regulator[self.inst_region[c.inst]])
            r = self.tx("cases", reg.decide(c.id, c.article, c.fine_bps, c.suspend_days))
            for ev in r.named("CaseDecided"):
                c.loss, c.fine, c.decided_on = int(ev["loss"]), int(ev["fine"]), self.today
            if c.contest:
                self.later(CONTEST_LAG, partial(self.contest, c))
            else:
                self.later(FINALIZE_LAG, partial(self.finalize, c))

    def contest(self, c: CaseRec) -> None:
        self.tx("cases", self.as_(self.inst_acct[c.inst]).contest(c.id))
        self.later(RULING_LAG, partial(self.rule_and_finalize, c))

    def rule_and_finalize(self, c: CaseRec) -> None:
        """A reviewer of the region upholds the decision; the regulator finalizes at once."""
        reviewer = self.reviewers[self.first_reviewer[self.inst_region[c.inst]]]
        r = self.tx("cases", self.as_(reviewer).rule(c.id, True))
        for ev in r.named("CaseRuled"):
            c.fine = int(ev["fine"])
        self.finalize(c)
        self.story = self.read_story(c)

    def read_story(self, c: CaseRec) -> dict[str, Any]:
        """The closed case's story from the chain (:func:`case_story`), read from its opening block
        on (the logs before it cannot be the case's), each sender named by role."""
        since = Ledger(self.chain, dataclasses.replace(self.ledger.manifest, block=c.block))
        story = case_story(since, c.id)
        roles = {a.address: f"regulator {r}" for r, a in self.regulator.items()}
        roles.update({a.address: f"reviewer {i + 1}" for i, a in enumerate(self.reviewers)})
        roles.update({a.address: f"institution {k}" for k, a in self.inst_acct.items()})
        for step in story["steps"]:
            step["role"] = roles.get(step["by"], step["by"])
        return story

    # ---------------------------------------------------------------- executing
    def finalize(self, c: CaseRec) -> None:
        r = self.tx("cases", self.as_(self.regulator[self.inst_region[c.inst]]).finalize(c.id))
        for ev in r.named("ClaimClawedBack"):
            cid = bytes(ev["claimId"])
            rec = self.recs[cid]
            rec.status, rec.clawed_back = ClaimStatus.CLAWED_BACK, int(ev["amount"])
            c.clawed[cid] = int(ev["amount"])
            self.case_claims[cid] = c.id
            self.clawbacks.append(self.dated(claim="0x" + cid.hex(), institution=c.inst, amount=int(ev["amount"]),
                                             reason=decode_reason(ev["reason"])))
        for ev in r.named("CaseClaimRejected"):
            cid = bytes(ev["claimId"])
            rec = self.recs[cid]
            c.rejected[cid] = int(ev["fund"]) if rec.status == ClaimStatus.APPROVED else 0
            rec.status, rec.reason, rec.fund = ClaimStatus.REJECTED, Reason.SUPERVISION, 0
            if cid in self.unsettled.get(c.inst, []):
                self.unsettled[c.inst].remove(cid)
            self.case_claims[cid] = c.id
        self.follow_institution(r.named("InstitutionStatusChanged"), r.named("InstitutionGradeChanged"))
        for ev in r.named("InstitutionSuspended"):
            self.suspended[c.inst] = from_day(int(ev["until"]))
        for ev in r.named("CreditScoreChanged"):
            c.score = int(ev["score"])
        if r.named("CaseClosed"):
            c.outcome, c.closed_on = "PENALIZED", self.today
        self.later(FINE_PAY_LAG, partial(self.pay_fines, c.inst))

    def key_of(self, account: str) -> str:
        """The institution key of an account as an event gives it."""
        return self.acct_inst.get(Web3.to_checksum_address(account), account)

    def follow_institution(self, statuses: list[Any], grades: list[Any]) -> None:
        """Follow InstitutionStatusChanged and InstitutionGradeChanged events into the rows."""
        for ev in statuses:
            self.status_changes.append(self.dated(institution=self.key_of(ev["account"]),
                                                  **{"from": InstitutionStatus(int(ev["from"])).name,
                                                     "to": InstitutionStatus(int(ev["to"])).name}))
        for ev in grades:
            grade = {"from": Grade(int(ev["from"])).name, "to": Grade(int(ev["to"])).name}
            self.grade_changes.append(self.dated(institution=self.key_of(ev["account"]), **grade))

    def reinstate(self, key: str) -> None:
        reg = self.as_(self.regulator[self.inst_region[key]])
        r = self.tx("cases", reg.set_institution_status(self.inst_acct[key].address, InstitutionStatus.ACTIVE))
        self.follow_institution(r.named("InstitutionStatusChanged"), [])
        del self.suspended[key]

    def pay_fines(self, key: str) -> None:
        """The institution pays all its fines owed (nothing when an earlier payment covered them)."""
        addr = self.inst_acct[key].address
        owed = self.ledger.fines(addr).owed
        if owed <= 0:
            return
        reg = self.as_(self.regulator[self.inst_region[key]])
        r = self.tx("cases", reg.pay_fine(addr, owed, self.key.digest(f"FINE-{key}-{self.today:%Y%m%d}")))
        for ev in r.named("FinePaid"):
            self.fine_payments.append(self.dated(institution=key, amount=int(ev["amount"]), owed=int(ev["owed"])))


__all__ = [
    "CASE_CLAIMS",
    "CONTEST_LAG",
    "DECIDE_LAG",
    "FINALIZE_LAG",
    "FINE_BPS",
    "FINE_PAY_LAG",
    "MAX_CASES",
    "PAYABLE",
    "PHANTOM_RULES",
    "RULING_LAG",
    "SUPERVISION_DAY",
    "SUSPEND_DAYS",
    "CasePlayer",
    "CaseRec",
    "article_of",
]
