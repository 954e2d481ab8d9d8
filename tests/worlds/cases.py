"""Supervision case steps for the random worlds (docs/rules/supervision.md).

:class:`CaseSteps` is driven by the world builder (:mod:`worlds.generator`): after each claim it
may open a case a few days later on some of the institution's recent claims (sometimes a
REFERRAL by the home region of a cross-region patient), then plays findings, a decision and a
contest, ruling, finalize or close, and fine payments, each scheduled on the builder's timeline.
Rough guesses again: nothing asks the model, so many steps succeed and some are refused
(a claim of another institution, no claims, a claim no longer live, fine bounds broken, a
contest after the window, a finalize too early, a fine larger than owed, a step on a case
whose opening was refused).

Everything is drawn from a stream of its own (``yibao-worlds/cases/<seed>``), so a world with
cases has exactly the claims, registry steps and post-decision steps of the same world without.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from worlds.generator import _Builder, _ClaimInfo

__all__ = ["CaseSteps"]

SOURCES = ("LEAD", "TIP", "INSPECTION")
CODES = ("READMIT", "PHANTOM", "UPCODING", "SPLIT_BILL")
BOUNDS = {38: (10_000, 20_000), 40: (20_000, 50_000)}
CONTEST_DAYS = 15  # the default (random worlds give no ``supervision`` key)
LIVE_GUESSES = ("approved", "flagged")
OPEN_RATE = 0.035  # per claim: about 7 cases in a world of 200 claims


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class CaseSteps:
    """The case steps of one world."""

    def __init__(self, builder: _Builder, seed: int, reviewers: tuple[str, ...]) -> None:
        self.b = builder
        self.rng = random.Random(f"yibao-worlds/cases/{seed}")
        self.reviewers = reviewers
        self.n = 0

    def after_claim(self, at: dt.date, info: _ClaimInfo) -> None:
        """Maybe open a case on the claim's institution soon, maybe pay a fine of another."""
        rng = self.rng
        if rng.random() < OPEN_RATE:
            self.b._schedule_case(at + _days(rng.randint(1, 12)), self.open, info.institution)
        if rng.random() < 0.005:  # a payment nobody owes: mostly FineExceedsOwed
            self.b._schedule_case(at, self.pay_fine, rng.choice(self.b.insts).id, rng.randint(1, 500))

    # ------------------------------------------------------------------ opening

    def _claims_for(self, institution: str) -> tuple[list[str], str, int | None]:
        """Claims, source and referring region of a new case on ``institution``."""
        rng, b = self.rng, self.b
        recent = b.inst_by_id[institution].claims[-15:]
        live = [c for c in recent if b.claim_by_id[c].guess in LIVE_GUESSES]
        if live and rng.random() < 0.9:  # mostly claims that may still be live
            recent = live
        cross = [c for c in recent if b.claim_by_id[c].cross]
        if cross and rng.random() < 0.35:
            home = b.person_by_id[b.claim_by_id[rng.choice(cross)].person].region
            theirs = [c for c in recent if b.person_by_id[b.claim_by_id[c].person].region == home]
            claims = rng.sample(theirs, rng.randint(1, min(3, len(theirs))))
            if rng.random() < 0.1:  # a claim of someone from elsewhere: ReferralOutsideRegion
                claims.append(rng.choice(recent))
            return claims, "REFERRAL", home
        claims = rng.sample(recent, rng.randint(1, min(4, len(recent)))) if recent else []
        roll = rng.random()
        if roll < 0.05 and b.claims:  # ClaimOfOtherInstitution, unless it happens to be its own
            claims.append(rng.choice(b.claims).id)
        elif roll < 0.08:  # CaseClaimsInvalid
            claims = []
        return claims, rng.choice(SOURCES), None

    def open(self, day: dt.date, institution: str) -> None:
        rng = self.rng
        claims, source, by_region = self._claims_for(institution)
        self.n += 1
        name = f"K{self.n}"
        body: dict[str, Any] = {"id": name, "institution": institution, "claims": claims, "source": source}
        if rng.random() < 0.4:
            body["evidence"] = f"case file {rng.randint(1, 999)}"
        if by_region is not None:
            body["by_region"] = by_region
        self.b._emit(day, "open_case", body)
        roll = rng.random()
        if roll < 0.1:  # closed with no finding: OPEN → CLOSED
            self.b._schedule_case(day + _days(rng.randint(0, 10)), self._step, "close", {"case": name})
            return
        if roll < 0.15:  # decided without a finding: CaseHasNoFinding
            self.b._schedule_case(day, self.decide, name, claims)
        self.b._schedule_case(day + _days(rng.randint(0, 5)), self.finding, name, claims, institution)

    # ------------------------------------------------------------------ investigating

    def finding(self, day: dt.date, name: str, claims: list[str], institution: str) -> None:
        rng, b = self.rng, self.b
        found = rng.sample(claims, rng.randint(1, len(claims))) if claims else [c.id for c in b.claims[-1:]]
        if rng.random() < 0.05 and b.claims:  # ClaimNotInCase (unless it happens to be one of the case's)
            found.append(rng.choice(b.claims).id)
        body: dict[str, Any] = {"case": name, "claims": found, "code": rng.choice(CODES)}
        if rng.random() < 0.3:
            body["evidence"] = f"finding {rng.randint(1, 999)}"
        b._emit(day, "finding", body)
        roll = rng.random()
        if roll < 0.15:
            b._schedule_case(day + _days(rng.randint(0, 8)), self.finding, name, claims, institution)
        elif roll < 0.3:
            b._schedule_case(day + _days(rng.randint(0, 8)), self._step, "close", {"case": name})
        else:
            b._schedule_case(day + _days(rng.randint(0, 10)), self.decide, name, claims, institution)

    def decide(self, day: dt.date, name: str, claims: list[str], institution: str | None = None) -> None:
        rng = self.rng
        article = rng.choice((38, 40, 40)) if rng.random() < 0.97 else 39
        low, high = BOUNDS.get(article, (20_000, 50_000))
        fine_bps = rng.randint(low, high) if rng.random() < 0.9 else rng.choice((low - 1, high + 1))
        suspend = 0 if rng.random() < 0.7 else rng.randint(1, 40)
        self._step(day, "decide", {"case": name, "article": article, "fine_bps": fine_bps, "suspend_days": suspend})
        if institution is None:  # the refused decision before any finding: nothing follows it
            return
        if rng.random() < 0.4:
            late = rng.random() < 0.15
            when = day + _days(CONTEST_DAYS + rng.randint(1, 5) if late else rng.randint(0, CONTEST_DAYS))
            self.b._schedule_case(when, self.contest, name, article, institution)
        else:
            self.b._schedule_case(day + _days(rng.randint(CONTEST_DAYS - 3, CONTEST_DAYS + 10)), self.finalize,
                             name, institution, day)

    # ------------------------------------------------------------------ contest and execution

    def contest(self, day: dt.date, name: str, article: int, institution: str) -> None:
        rng = self.rng
        self._step(day, "contest", {"case": name})
        if rng.random() < 0.1:  # contested twice: CaseStateInvalid
            self._step(day, "contest", {"case": name})
        body: dict[str, Any] = {"case": name, "reviewer": rng.choice(self.reviewers), "upheld": rng.random() < 0.6}
        if body["upheld"] and rng.random() < 0.4:
            low, high = BOUNDS.get(article, (20_000, 50_000))
            body["fine_bps"] = rng.randint(low, high) if rng.random() < 0.85 else high + 1
        when = day + _days(rng.randint(0, 6))
        self.b._schedule_case(when, self._step, "ruling", body)
        self.b._schedule_case(when + _days(rng.randint(0, 4)), self.finalize, name, institution, None)

    def finalize(self, day: dt.date, name: str, institution: str, decided: dt.date | None) -> None:
        rng = self.rng
        self._step(day, "finalize", {"case": name})
        if decided is not None and day <= decided + _days(CONTEST_DAYS):  # FinalizeTooEarly: again later
            self.b._schedule_case(decided + _days(CONTEST_DAYS + rng.randint(1, 6)), self._step, "finalize",
                             {"case": name})
        if rng.random() < 0.6:
            self.b._schedule_case(day + _days(rng.randint(1, 25)), self.pay_fine, institution, rng.randint(1, 3000))

    def pay_fine(self, day: dt.date, institution: str, amount: int) -> None:
        body: dict[str, Any] = {"institution": institution, "amount": amount}
        if self.rng.random() < 0.5:
            body["reference"] = f"receipt {self.rng.randint(1, 9999)}"
        self.b._emit(day, "pay_fine", body)

    def _step(self, day: dt.date, kind: str, body: dict[str, Any]) -> None:
        self.b._emit(day, kind, body)
