"""Money after the decision in the reference model: settlement, clearing, clawback, contributions."""

from __future__ import annotations

import datetime as dt

from yibao.model.types import MONEY_MAX, ClaimKey, ClaimStatus, Settlement, is_reason_code

from yibao.model.claims import ClaimRules
from yibao.model.state import refuse


class SettlementRules(ClaimRules):
    """Money after the decision in the reference model: settlement, clearing, clawback, contributions."""


    def settle(self, institution: str, *, today: dt.date) -> Settlement:
        """Pay an institution every approved, unsettled fund share (就医地垫付).

        ``netted = min(debt, payable)`` is recovered from the institution's debt; the
        cash ``payable − netted`` leaves the institution's region's fund. Each settled
        fund share of a person from another region becomes owed by the home region.
        Refusals, in order: ``InstitutionFrozen``, ``NothingToSettle`` (payable is 0),
        ``FundInsufficient``.
        """
        inst = self._institution(institution)
        if inst.frozen:
            raise refuse("InstitutionFrozen", institution)
        if inst.payable == 0:
            raise refuse("NothingToSettle", institution)
        netted = min(inst.debt, inst.payable)
        cash = inst.payable - netted
        fund = self._regions[inst.region].fund
        if fund.balance < cash:
            raise refuse("FundInsufficient", inst.region, cash, fund.balance)
        self._tick(today)
        keys = tuple(inst.pending)
        for key in keys:
            rec = self._claims[key]
            rec.status = ClaimStatus.SETTLED
            rec.log(today, "settled")
            home = rec.home_region
            if home is not None and home != inst.region and rec.fund > 0:
                owed = (home, inst.region)
                self._owed[owed] = self._owed.get(owed, 0) + rec.fund
        payable = inst.payable
        fund.balance -= cash
        fund.settled += payable
        fund.recovered += netted
        inst.paid += cash
        inst.debt -= netted
        inst.payable = 0
        inst.pending = []
        self.check_fund_law()
        return Settlement(keys, payable, netted, cash)

    def clear(
        self, from_region: int, to_region: int, *, today: dt.date, amount: int | None = None
    ) -> int:
        """The home region ``from_region`` pays what it owes ``to_region`` (异地清算).

        ``amount`` defaults to everything owed. Refusals, in order: ``RegionUnknown``,
        ``NothingToClear``, ``AmountZero``, ``ClearingExceedsDebt``, ``FundInsufficient``.
        Returns the amount cleared.
        """
        payer = self._region(from_region).fund
        payee = self._region(to_region).fund
        owed = self._owed.get((from_region, to_region), 0)
        if owed == 0:
            raise refuse("NothingToClear", from_region, to_region)
        pay = owed if amount is None else amount
        if pay <= 0:
            raise refuse("AmountZero")
        if pay > owed:
            raise refuse("ClearingExceedsDebt", pay, owed)
        if payer.balance < pay:
            raise refuse("FundInsufficient", from_region, pay, payer.balance)
        self._tick(today)
        self._owed[(from_region, to_region)] = owed - pay
        payer.balance -= pay
        payer.clearing_out += pay
        payee.balance += pay
        payee.clearing_in += pay
        self.check_fund_law()
        return pay

    def clawback(self, key: ClaimKey, *, today: dt.date, reason: str = "", evidence: str = "") -> int:
        """Claw back a SETTLED claim (追回): counts reversed, fund share becomes debt.

        For a person from another region the fund share comes off what the home region owes
        the treating region; where that is smaller (it was cleared), it becomes 0 and the rest
        is owed back by the treating region: the home region never pays for a clawed-back
        claim (adjudication.md v1.1). Refusals, in order: ``ReasonInvalid``,
        ``ClaimNotSettled`` (any claim but a SETTLED one). Returns the amount added to the
        institution's debt.
        """
        if reason and not is_reason_code(reason):
            raise refuse("ReasonInvalid", reason)
        rec = self._claims.get(key)
        if rec is None or rec.status is not ClaimStatus.SETTLED:
            raise refuse("ClaimNotSettled", key)
        self._tick(today)
        self._count(rec, -1)
        rec.status = ClaimStatus.CLAWED_BACK
        rec.log(today, "clawed_back", detail=f"reason={reason} evidence={evidence}")
        inst = self._institutions[key.institution]
        inst.debt += rec.fund
        home = rec.home_region
        if home is not None and home != inst.region and rec.fund > 0:
            owed = self._owed.get((home, inst.region), 0)
            off = min(owed, rec.fund)
            self._owed[(home, inst.region)] = owed - off
            if rec.fund > off:
                back = (inst.region, home)
                self._owed[back] = self._owed.get(back, 0) + rec.fund - off
        self.check_fund_law()
        return rec.fund

    def contribution(self, person: str, amount: int, *, today: dt.date) -> None:
        """Credit a contribution (缴费) to the person's home-region fund.

        Refusals, in order: ``PersonUnknown``, ``AmountZero``, ``AmountTooLarge`` (more than
        the fund's 64-bit totals can take)."""
        p = self._person(person)
        if amount <= 0:
            raise refuse("AmountZero")
        fund = self._regions[p.region].fund
        room = MONEY_MAX - max(fund.balance, fund.contributions)
        if amount > room:
            raise refuse("AmountTooLarge", amount, room)
        self._tick(today)
        fund.balance += amount
        fund.contributions += amount
        self.check_fund_law()


__all__ = ["SettlementRules"]
