// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Reversal} from "./Reversal.sol";
import {ISettlement} from "../interfaces/ISettlement.sol";
import {IClaims} from "../interfaces/IClaims.sol";
import {IModule} from "../interfaces/IModule.sol";
import {Roles} from "../libraries/Roles.sol";
import {Words} from "../libraries/Words.sol";
import {
    STATUS_APPROVED, STATUS_FLAGGED, STATUS_REJECTED, STATUS_APPEALED, STATUS_SETTLED, REASON_NONE,
    REASON_REVIEW_REJECTED, REASON_APPEAL_REJECTED, VISIT_INPATIENT
} from "../libraries/Codes.sol";
import {
    Packed, CLAIM_STATUS_SHIFT, CLAIM_STATUS_MASK, CLAIM_REASON_SHIFT, CLAIM_REASON_MASK, EXTRA_REJECTED_ON_SHIFT,
    EXTRA_APPEALED_SHIFT, EXTRA_REJECTED_BY_SHIFT
} from "../libraries/Packed.sol";

/// @title SettlementModule — review and appeal, settlement, clearing, clawback, freeze, contributions
/// @notice Runs inside the ledger's storage by delegatecall. No loop here runs over stored
/// history: settlement uses running totals (payable, pending claims, an epoch per institution)
/// and loops only over the home regions its institution served since the last settlement.
contract SettlementModule is Reversal, ISettlement {
    /// @dev Contributions of one `contributeMany` at most (its calldata, never stored history).
    uint256 private constant MAX_CONTRIBUTIONS = 500;

    // ================================================================ review and appeal

    /// @inheritdoc ISettlement
    function review(bytes32 claimId, bool approve, bytes32 reason, bytes32 evidence) external onlyDelegated {
        if (!Words.isCode(reason)) revert ReasonInvalid(reason);
        Layout storage l = _layout();
        uint256 w = l.claims[claimId];
        uint256 status = (w >> CLAIM_STATUS_SHIFT) & CLAIM_STATUS_MASK;
        if (status != STATUS_FLAGGED && status != STATUS_APPEALED) revert ClaimNotReviewable(claimId, uint8(status));
        Packed.Claim memory c = Packed.unpackClaim(w);
        address institution = l.institutionAccounts[uint32(c.institution)];
        Institution storage inst = l.institutions[institution];
        _checkRole(Roles.reviewer(inst.region));
        uint256 extra = l.claimExtra[claimId];
        bool isAppeal = status == STATUS_APPEALED;
        if (isAppeal && Packed.extraRejectedBy(extra) == msg.sender) revert ReviewerConflict(claimId, msg.sender);
        uint256 home = Packed.extraHome(extra);
        if (approve) {
            if (isAppeal) {
                // counts applied again; the fund share lowered to what the caps leave now
                uint256 a = _policyWordA(_policyKey(uint32(home), uint8(Packed.extraScheme(extra))), c.serviceDay);
                uint64 key = Packed.counterKey(c.member, _year(c.serviceDay));
                uint256 k = l.counters[key];
                if (c.visit != VISIT_INPATIENT) c.fund = _capTo(c.fund, Packed.opAnnualCap(a), Packed.opFundUsed(k));
                c.fund = _capTo(c.fund, Packed.annualCap(a), Packed.fundUsed(k));
                l.counters[key] = _apply(k, c, true);
            }
            c.status = STATUS_APPROVED;
            c.reason = REASON_NONE;
            c.epoch = inst.epoch;
            if (uint256(inst.payableFund) + c.fund > type(uint64).max || inst.pendingClaims == type(uint32).max) {
                revert IClaims.PayableOverflow(institution);
            }
            inst.payableFund += uint64(c.fund);
            inst.pendingClaims += 1;
            if (home != inst.region && c.fund != 0) _bookCross(l, institution, home, c.fund);
        } else if (isAppeal) {
            c.status = STATUS_REJECTED;
            c.reason = REASON_APPEAL_REJECTED;
        } else {
            _reverseCounts(l, c);
            c.status = STATUS_REJECTED;
            c.reason = REASON_REVIEW_REJECTED;
            // home region and scheme kept; rejectedOn, rejectedBy set
            l.claimExtra[claimId] = (extra & ((1 << EXTRA_REJECTED_ON_SHIFT) - 1))
                | (uint256(_today()) << EXTRA_REJECTED_ON_SHIFT) | (uint256(uint160(msg.sender)) << EXTRA_REJECTED_BY_SHIFT);
        }
        l.claims[claimId] = Packed.packClaim(c);
        emit ClaimReviewed(claimId, msg.sender, approve, isAppeal, reason, evidence, c.fund);
    }

    /// @inheritdoc ISettlement
    function appeal(bytes32 claimId) external onlyDelegated {
        Layout storage l = _layout();
        uint256 w = l.claims[claimId];
        if (w == 0) revert ClaimNotAppealable(claimId);
        uint256 extra = l.claimExtra[claimId];
        if (Packed.extraAppealed(extra)) revert AppealAlreadyFiled(claimId);
        if (
            (w >> CLAIM_STATUS_SHIFT) & CLAIM_STATUS_MASK != STATUS_REJECTED
                || ((w >> CLAIM_REASON_SHIFT) & CLAIM_REASON_MASK) != REASON_REVIEW_REJECTED
        ) {
            revert ClaimNotAppealable(claimId);
        }
        Packed.Claim memory c = Packed.unpackClaim(w);
        if (l.institutionAccounts[uint32(c.institution)] != msg.sender) revert ClaimNotOwned(claimId, msg.sender);
        uint256 b = _policyWordB(_policyKey(uint32(Packed.extraHome(extra)), uint8(Packed.extraScheme(extra))), c.serviceDay);
        uint32 lastDay = uint32(Packed.extraRejectedOn(extra) + Packed.appealDays(b));
        uint32 today = _today();
        if (today > lastDay) revert AppealWindowClosed(claimId, lastDay, today);
        c.status = STATUS_APPEALED;
        l.claims[claimId] = Packed.packClaim(c);
        l.claimExtra[claimId] = extra | (1 << EXTRA_APPEALED_SHIFT);
        emit ClaimAppealed(claimId, msg.sender);
    }

    // ================================================================ money

    /// @inheritdoc ISettlement
    function settle(address institution, bytes32 paymentRef) external onlyDelegated {
        Layout storage l = _layout();
        Institution storage inst = _institutionOfRegulator(institution);
        if (inst.frozen) revert InstitutionFrozen(institution);
        uint256 payable_ = inst.payableFund;
        if (payable_ == 0) revert NothingToSettle(institution);
        uint32 region = inst.region;
        uint256 debt = inst.debt;
        uint256 netted = debt < payable_ ? debt : payable_;
        uint256 cash = payable_ - netted;
        Fund storage f = l.funds[region];
        if (f.balance < cash) revert FundInsufficient(region, cash, f.balance);
        f.balance -= uint64(cash);
        f.settled += uint64(payable_);
        f.recovered += uint64(netted);
        inst.paid += uint64(cash);
        inst.debt = uint64(debt - netted);
        uint256 claims = inst.pendingClaims;
        inst.payableFund = 0;
        inst.pendingClaims = 0;
        uint16 epoch = inst.epoch;
        if (epoch == type(uint16).max) revert EpochLimitReached(institution);
        inst.epoch = epoch + 1;
        uint32[] storage homes = l.crossHomes[institution];
        for (uint256 i; i < homes.length; ++i) {
            uint32 home = homes[i];
            uint256 amount = l.crossPending[institution][home];
            if (amount == 0) continue; // every share of that region was withdrawn (a supervision case)
            delete l.crossPending[institution][home];
            uint256 total = l.owed[home][region] + amount;
            l.owed[home][region] = total;
            emit CrossRegionOwed(home, region, amount, total);
        }
        delete l.crossHomes[institution];
        uint32 today = _today();
        emit Settled(
            institution, region, epoch, payable_, netted, cash, claims, l.lastSettledDay[institution], today, paymentRef
        );
        l.lastSettledDay[institution] = today;
    }

    /// @inheritdoc ISettlement
    function clear(uint32 from, uint32 to, uint256 amount) external onlyDelegated {
        Layout storage l = _layout();
        _requireRegion(from);
        _requireRegion(to);
        _checkRole(Roles.regulator(from));
        uint256 owed = l.owed[from][to];
        if (owed == 0) revert NothingToClear(from, to);
        uint256 pay = amount == type(uint256).max ? owed : amount;
        if (pay == 0) revert AmountZero();
        if (pay > owed) revert ClearingExceedsDebt(pay, owed);
        Fund storage payer = l.funds[from];
        if (payer.balance < pay) revert FundInsufficient(from, pay, payer.balance);
        Fund storage payee = l.funds[to];
        l.owed[from][to] = owed - pay;
        payer.balance -= uint64(pay);
        payer.clearingOut += uint64(pay);
        payee.balance += uint64(pay);
        payee.clearingIn += uint64(pay);
        emit Cleared(from, to, pay, owed - pay);
    }

    /// @inheritdoc ISettlement
    function clawback(bytes32 claimId, bytes32 reason, bytes32 evidence) external onlyDelegated {
        if (!Words.isCode(reason)) revert ReasonInvalid(reason);
        Layout storage l = _layout();
        uint256 w = l.claims[claimId];
        if (w == 0) revert ClaimNotSettled(claimId);
        Packed.Claim memory c = Packed.unpackClaim(w);
        address institution = l.institutionAccounts[uint32(c.institution)];
        Institution storage inst = _institutionOfRegulator(institution);
        if (c.status != STATUS_APPROVED || c.epoch >= inst.epoch) revert ClaimNotSettled(claimId);
        _clawBack(claimId, c, institution, inst, reason, evidence);
    }

    /// @inheritdoc ISettlement
    function setFrozen(address institution, bool frozen) external onlyDelegated {
        Institution storage inst = _institutionOfRegulator(institution);
        if (inst.frozen == frozen) revert InstitutionUnchanged(institution);
        inst.frozen = frozen;
        emit InstitutionFreezeChanged(institution, frozen);
    }

    /// @inheritdoc ISettlement
    function contribute(bytes32 person, uint256 amount) external onlyDelegated {
        _contribute(person, amount);
    }

    /// @inheritdoc ISettlement
    function contributeMany(Contribution[] calldata batch) external onlyDelegated {
        uint256 n = batch.length;
        if (n == 0 || n > MAX_CONTRIBUTIONS) revert BatchSizeInvalid(n, MAX_CONTRIBUTIONS);
        for (uint256 i; i < n; ++i) {
            _contribute(batch[i].person, batch[i].amount);
        }
    }

    function _contribute(bytes32 person, uint256 amount) private {
        Person storage p = _personOfOperator(person);
        uint32 region = p.region;
        if (amount == 0) revert AmountZero();
        Fund storage f = _layout().funds[region];
        // both totals are 64 bits: refuse what they cannot hold rather than cut it
        uint256 room = type(uint64).max - (f.balance > f.contributions ? f.balance : f.contributions);
        if (amount > room) revert AmountTooLarge(amount, room);
        f.balance += uint64(amount);
        f.contributions += uint64(amount);
        emit ContributionRecorded(person, region, amount);
    }

    // ================================================================ views

    /// @inheritdoc ISettlement
    function fundOf(uint32 region) external view returns (FundView memory) {
        _requireRegion(region);
        Layout storage l = _layout();
        Fund storage f = l.funds[region];
        return FundView(
            l.regions[region].openingBalance,
            f.balance,
            f.contributions,
            f.settled,
            f.clearingIn,
            f.clearingOut,
            f.recovered
        );
    }

    /// @inheritdoc ISettlement
    function owedBetween(uint32 home, uint32 treating) external view returns (uint256) {
        return _layout().owed[home][treating];
    }

    /// @inheritdoc ISettlement
    function reviewOf(bytes32 claimId) external view returns (address rejectedBy, uint32 rejectedOn, bool appealed) {
        uint256 extra = _layout().claimExtra[claimId];
        return (Packed.extraRejectedBy(extra), uint32(Packed.extraRejectedOn(extra)), Packed.extraAppealed(extra));
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory) {
        return _selectors(
            abi.encodePacked(
                this.review.selector, this.appeal.selector, this.settle.selector, this.clear.selector,
                this.clawback.selector, this.setFrozen.selector, this.contribute.selector, this.contributeMany.selector,
                this.fundOf.selector,
                this.owedBetween.selector, this.reviewOf.selector, this.claimInfo.selector,
                this.claimIdOf.selector, this.countersOf.selector
            )
        );
    }

    // ================================================================ claims as stored

    /// @inheritdoc ISettlement
    function claimInfo(bytes32 claimId) external view returns (IClaims.ClaimView memory v) {
        uint256 w = _layout().claims[claimId];
        if (w == 0) revert IClaims.ClaimUnknown(claimId);
        Packed.Claim memory c = Packed.unpackClaim(w);
        if (c.status == STATUS_APPROVED) {
            Layout storage l = _layout();
            if (c.epoch < l.institutions[l.institutionAccounts[uint32(c.institution)]].epoch) c.status = STATUS_SETTLED;
        }
        v = IClaims.ClaimView(
            claimId,
            uint8(c.status),
            uint8(c.reason),
            uint8(c.flags),
            uint8(c.visit),
            uint32(c.serviceDay),
            uint32(c.member),
            uint32(c.institution),
            uint64(c.billed),
            uint64(c.eligible),
            uint64(c.deductible),
            uint64(c.fund)
        );
    }

    /// @inheritdoc ISettlement
    function claimIdOf(address institution, bytes32 invoice) external pure returns (bytes32 id) {
        (bytes32 key, bool ok) = Words.invoiceKey(invoice);
        if (!ok) revert IClaims.InvoiceMalformed(invoice);
        assembly ("memory-safe") {
            mstore(0x00, institution)
            mstore(0x20, key)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @inheritdoc ISettlement
    function countersOf(bytes32 person, uint16 year)
        external
        view
        returns (uint64 deductibleUsed, uint64 fundUsed, uint64 opFundUsed, uint16[12] memory visits)
    {
        Layout storage l = _layout();
        uint32 member = l.people[person].index;
        if (member == 0) revert PersonUnknown(person);
        uint256 k = l.counters[Packed.counterKey(member, year)];
        deductibleUsed = uint64(Packed.dedUsed(k));
        fundUsed = uint64(Packed.fundUsed(k));
        opFundUsed = uint64(Packed.opFundUsed(k));
        for (uint256 m = 1; m <= 12; ++m) {
            visits[m - 1] = uint16(Packed.visits(k, m));
        }
    }

    // ================================================================ internals

    /// @dev `min(amount, max(0, cap − used))` (adjudication.md §5).
    function _capTo(uint256 amount, uint256 cap, uint256 used) private pure returns (uint256) {
        uint256 left = cap > used ? cap - used : 0;
        return amount < left ? amount : left;
    }
}
