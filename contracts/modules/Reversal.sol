// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Module} from "./Module.sol";
import {ISettlement} from "../interfaces/ISettlement.sol";
import {Days} from "../libraries/Days.sol";
import {STATUS_CLAWED_BACK, VISIT_INPATIENT} from "../libraries/Codes.sol";
import {
    Packed, COUNTER_DEDUCTIBLE_SHIFT, COUNTER_FUND_SHIFT, COUNTER_OP_FUND_SHIFT, COUNTER_VISITS_SHIFT,
    COUNTER_VISIT_BITS, COUNTER_VISIT_MAX
} from "../libraries/Packed.sol";

/// @title Reversal — the one implementation of undoing a decided claim
/// @notice Inherited by the modules that undo claims: SettlementModule (a reviewer's rejection,
/// a clawback) and SupervisionModule (a finalized case). A claim's counts are reversed, a
/// settled share becomes the institution's debt, an approved unsettled share stops being
/// payable, and a person from another region's share comes off what is owed between regions,
/// here and nowhere else.
abstract contract Reversal is Module {
    /// @dev Claw back a settled claim `c` of `institution` (adjudication.md v1.1, "After the
    /// decision"): counts reversed, CLAWED_BACK, the fund share added to the institution's
    /// debt; for a person from another region the share comes off what the home region owes.
    function _clawBack(
        bytes32 claimId,
        Packed.Claim memory c,
        address institution,
        Institution storage inst,
        bytes32 reason,
        bytes32 evidence
    ) internal {
        Layout storage l = _layout();
        _reverseCounts(l, c);
        c.status = STATUS_CLAWED_BACK;
        l.claims[claimId] = Packed.packClaim(c);
        inst.debt += uint64(c.fund);
        emit ISettlement.ClaimClawedBack(claimId, institution, c.fund, reason, evidence);
        uint256 home = Packed.extraHome(l.claimExtra[claimId]);
        if (home != 0 && home != inst.region && c.fund != 0) _unbookCross(l, uint32(home), inst.region, c.fund);
    }

    /// @dev An approved, unsettled fund share of `inst` that will not be paid: no longer in the
    /// institution's payable total and pending count, nor, for a person from another region,
    /// in what its settlement would make that region owe. (Counts are the caller's business.)
    function _withdrawApproved(bytes32 claimId, Packed.Claim memory c, address institution, Institution storage inst)
        internal
    {
        Layout storage l = _layout();
        inst.payableFund -= uint64(c.fund);
        inst.pendingClaims -= 1;
        uint256 home = Packed.extraHome(l.claimExtra[claimId]);
        if (home != 0 && home != inst.region && c.fund != 0) l.crossPending[institution][uint32(home)] -= c.fund;
    }

    /// @dev Reverse a claim's own counts in its person's year (§8).
    function _reverseCounts(Layout storage l, Packed.Claim memory c) internal {
        uint64 key = Packed.counterKey(c.member, _year(c.serviceDay));
        l.counters[key] = _apply(l.counters[key], c, false);
    }

    /// @dev A clawed-back fund share of a person from `home` treated in `treating`: taken off
    /// what `home` owes `treating`; what was already cleared becomes owed back (adjudication.md
    /// v1.1, "After the decision"). The home region never pays for a clawed-back claim.
    function _unbookCross(Layout storage l, uint32 home, uint32 treating, uint256 fund) private {
        uint256 owed = l.owed[home][treating];
        uint256 off = owed < fund ? owed : fund;
        if (off != 0) {
            l.owed[home][treating] = owed - off;
            emit ISettlement.CrossRegionReduced(home, treating, off, owed - off);
        }
        uint256 rest = fund - off;
        if (rest != 0) {
            uint256 back = l.owed[treating][home] + rest;
            l.owed[treating][home] = back;
            emit ISettlement.CrossRegionOwed(treating, home, rest, back);
        }
    }

    function _year(uint256 day) internal pure returns (uint256 year) {
        // slither-disable-next-line unused-return (only the year is wanted)
        (year,) = Days.yearMonth(uint32(day));
    }

    /// @dev Add (`add`) or reverse a claim's own counts (§8); an item's last service day stays.
    function _apply(uint256 k, Packed.Claim memory c, bool add) internal pure returns (uint256) {
        // slither-disable-next-line unused-return (only the month is wanted)
        (, uint256 month) = Days.yearMonth(uint32(c.serviceDay));
        uint256 delta = c.fund << COUNTER_FUND_SHIFT;
        if (c.visit != VISIT_INPATIENT) {
            delta += (c.deductible << COUNTER_DEDUCTIBLE_SHIFT) + (c.fund << COUNTER_OP_FUND_SHIFT);
            uint256 shift = COUNTER_VISITS_SHIFT + COUNTER_VISIT_BITS * (month - 1);
            uint256 visits = (k >> shift) & COUNTER_VISIT_MAX;
            if (add ? visits != COUNTER_VISIT_MAX : visits != 0) delta += 1 << shift;
        }
        return add ? k + delta : k - delta;
    }
}
